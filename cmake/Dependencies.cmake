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

if(LLMSIZER_ENABLE_CUDA)
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
endif()
