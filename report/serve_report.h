// serve_report.h — the report of `llmsizer serve` (one replica under a workload) as a
// table for people, JSON and CSV, and the per-step timeline CSV (docs/serving.md).
#pragma once

#include <string>

#include "estimator/deployment.h"
#include "estimator/serving.h"
#include "report/precision_text.h"
#include "schema/text_writer.h"
#include "schema/workload.h"

namespace llmsizer::report {

struct ServeReport {
  const estimator::Deployment* dep = nullptr;
  const schema::Workload* workload = nullptr;
  const estimator::ServingConfig* cfg = nullptr;
  const estimator::ServingResult* result = nullptr;
  estimator::Slo slo;
  std::string basis;  // what the step times rest on
};

std::string serve_table(const ServeReport& r);
std::string serve_json(const ServeReport& r);
std::string serve_csv(const ServeReport& r);
// time_s,step_s,running,waiting,decode_seqs,prefill_tokens,kv_utilization; one row per step.
std::string serve_timeline_csv(const estimator::ServingResult& r);

}  // namespace llmsizer::report
