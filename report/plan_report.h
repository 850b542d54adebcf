// plan_report.h — the report of `llmsizer plan` (the layouts that serve a workload within
// SLOs, ranked; why the others failed) as a table for people and as JSON.
#pragma once

#include <cstddef>
#include <string>

#include "estimator/planner.h"

namespace llmsizer::report {

// The first `top` ranked candidates and every rejected one; `rent` names the rental term the
// prices are for ("on-demand", ...).
std::string plan_table(const estimator::PlanRequest& req, const estimator::PlanResult& res,
                       std::size_t top, const std::string& rent);
std::string plan_json(const estimator::PlanRequest& req, const estimator::PlanResult& res,
                      std::size_t top);

}  // namespace llmsizer::report
