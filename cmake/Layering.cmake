# Layering.cmake — who may depend on whom (docs/architecture.md, "Allowed dependencies").
# llmsizer_check_layering() runs at the end of configure and fails it when a module links
# a module it must not see. The table is the single statement of the layering rule.
set(LLMSIZER_ALLOWED_core "")
set(LLMSIZER_ALLOWED_schema "llmsizer_core")
set(LLMSIZER_ALLOWED_kernels "llmsizer_core")
set(LLMSIZER_ALLOWED_kernels_cuda "llmsizer_core;llmsizer_kernels")
set(LLMSIZER_ALLOWED_profiler
    "llmsizer_core;llmsizer_kernels;llmsizer_kernels_cuda;llmsizer_schema")
set(LLMSIZER_ALLOWED_estimator "llmsizer_core;llmsizer_schema")
set(LLMSIZER_ALLOWED_report "llmsizer_core;llmsizer_schema;llmsizer_estimator")
set(LLMSIZER_ALLOWED_validation
    "llmsizer_core;llmsizer_schema;llmsizer_kernels;llmsizer_profiler;llmsizer_estimator")

function(llmsizer_check_layering)
  foreach(module core schema kernels kernels_cuda profiler estimator report validation)
    set(target llmsizer_${module})
    if(NOT TARGET ${target})
      continue()
    endif()
    get_target_property(libs ${target} LINK_LIBRARIES)
    get_target_property(ilibs ${target} INTERFACE_LINK_LIBRARIES)
    foreach(lib IN LISTS libs ilibs)
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
      string(REGEX REPLACE "^llmsizer::" "llmsizer_" lib "${lib}")
      if(lib MATCHES "^llmsizer_" AND NOT lib IN_LIST LLMSIZER_ALLOWED_${module})
        message(FATAL_ERROR "layering: ${target} must not depend on ${lib} "
                            "(allowed: ${LLMSIZER_ALLOWED_${module}}); see cmake/Layering.cmake")
      endif()
    endforeach()
  endforeach()
endfunction()
