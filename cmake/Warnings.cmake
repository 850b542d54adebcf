# Warnings.cmake — one warning policy for every llmsizer target.
# -Wall -Wextra -Wpedantic everywhere; LLMSIZER_WERROR turns them into errors (CI).
function(llmsizer_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wconversion -Wno-sign-conversion)
  # GCC 12 reports bogus -Wrestrict on std::string operator+ at -O2 (GCC PR105651).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(LLMSIZER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
