# Warnings.cmake — one warning policy for every llmsizer target.
# -Wall -Wextra -Wpedantic everywhere; LLMSIZER_WERROR turns them into errors (CI).
# C++ sources only: CUDA sources (kernels/cuda) get nvcc's equivalents there.
function(llmsizer_set_warnings target)
  set(cxx "$<COMPILE_LANGUAGE:CXX>")
  target_compile_options(${target} PRIVATE
    "$<${cxx}:-Wall;-Wextra;-Wpedantic;-Wshadow;-Wnon-virtual-dtor;-Wconversion;-Wno-sign-conversion>")
  # GCC 12 reports bogus -Wrestrict on std::string operator+ at -O2 (GCC PR105651).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE "$<${cxx}:-Wno-restrict>")
  endif()
  if(LLMSIZER_WERROR)
    target_compile_options(${target} PRIVATE "$<${cxx}:-Werror>")
  endif()
endfunction()
