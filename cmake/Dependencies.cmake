# Dependencies.cmake — every third-party dependency is found here and nowhere else.
# All come from Debian 12 packages (see scripts/install-deps.sh); nothing is downloaded.
find_package(PkgConfig REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(yaml-cpp 0.7 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
find_package(Threads REQUIRED)

if(LLMSIZER_BUILD_PROFILER)
  find_package(Eigen3 3.4 REQUIRED NO_MODULE)
  find_package(benchmark 1.7 REQUIRED)
  pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc>=2.0)
endif()

if(LLMSIZER_BUILD_TESTS)
  find_package(Catch2 2.13 REQUIRED)
endif()

if(LLMSIZER_BUILD_BENCH AND NOT TARGET benchmark::benchmark)
  find_package(benchmark 1.7 REQUIRED)
endif()

# Optional GPU side (kernels/cuda, the profiler's GPU path). Needs the CUDA toolkit with
# cuBLAS/cuBLASLt at configure time but no GPU; NVML is loaded at run time (dlopen), so no
# nvml.h or libnvidia-ml is needed to build.
if(LLMSIZER_ENABLE_CUDA)
  if(NOT LLMSIZER_BUILD_PROFILER)
    message(FATAL_ERROR "LLMSIZER_ENABLE_CUDA needs LLMSIZER_BUILD_PROFILER=ON")
  endif()
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 89 90)  # A100, L4/L40/RTX 40xx, H100/H200
  endif()
  if(NOT DEFINED CMAKE_CUDA_HOST_COMPILER)
    set(CMAKE_CUDA_HOST_COMPILER ${CMAKE_CXX_COMPILER})
  endif()
  enable_language(CUDA)
  # CMake 3.25 has no C++20 flag for nvcc (CUDA_STANDARD falls back to CXX_STANDARD 20);
  # nvcc >= 12.0 accepts -std=c++20.
  if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
  find_package(CUDAToolkit 12.1 REQUIRED)  # 12.1: cuBLASLt FP8 on sm_89
  if(CCACHE_PROGRAM)
    set(CMAKE_CUDA_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  endif()
endif()
