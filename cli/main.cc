// main.cc — the `llmsizer` executable: parse the command line (CLI11), call the library,
// print. Exit codes: 0 success, 2 bad input (located diagnostics on stderr).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command_line.h"
#include "core/diagnostics.h"

namespace {

std::string default_profiles() {
  if (const char* env = std::getenv("LLMSIZER_PROFILES"); env && *env) return env;
  return LLMSIZER_DEFAULT_PROFILES;
}

// A closest-name hint for a mistyped subcommand or option ("unknown command 'estimat'
// (did you mean 'estimate'?)"), or "" when every word is known.
std::string mistyped(const CLI::App& app, int argc, char** argv) {
  const auto subs = app.get_subcommands();
  const CLI::App* sub = subs.empty() ? nullptr : subs.front();
  if (!sub) {
    std::vector<std::string> names;
    for (const auto* s : app.get_subcommands({})) names.push_back(s->get_name());
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--profiles") {
        ++i;
        continue;
      }
      if (a.empty() || a[0] == '-') continue;
      return "unknown command '" + a + "'" + llmsizer::core::did_you_mean(a, names);
    }
    return "";
  }
  std::vector<std::string> names;
  for (const auto* o : sub->get_options())
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") continue;
    a = a.substr(0, a.find('='));
    if (sub->get_option_no_throw(a) || app.get_option_no_throw(a)) continue;
    return "unknown option '" + a + "'" + llmsizer::core::did_you_mean(a, names);
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "llmsizer: what hardware you need, and what it costs, to run an open LLM.\n"
      "Models are named by catalog id (llama-3.1-8b), Hugging Face repo\n"
      "(meta-llama/Llama-3.1-8B), or a path to a model YAML, a config.json or a .gguf file.\n"
      "Hardware by short name (h100-sxm) or a hardware YAML. Sizes are bytes (GiB = 2^30)."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "llmsizer " LLMSIZER_VERSION);
  llmsizer::cli::CommandLine c;
  c.g.profiles = default_profiles();
  app.add_option("--profiles", c.g.profiles,
                 "catalog root with models/ and hardware/ (default: $LLMSIZER_PROFILES or the "
                 "shipped profiles/)");

  llmsizer::cli::add_model_commands(app, c);
  llmsizer::cli::add_serving_commands(app, c);
  llmsizer::cli::add_cost_commands(app, c);
#ifdef LLMSIZER_HAVE_PROFILER
  llmsizer::cli::add_host_commands(app, c);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string hint = mistyped(app, argc, argv);
    std::fprintf(stderr, "<command line>: error: %s\n",
                 hint.empty() ? e.what() : (hint + " (" + e.what() + ")").c_str());
    std::fprintf(stderr, "run `llmsizer %s--help` for the options\n",
                 app.get_subcommands().empty()
                     ? ""
                     : (app.get_subcommands().front()->get_name() + " ").c_str());
    return 2;
  }

  return llmsizer::cli::dispatch(c);
}
