// `gitops-api render`: renders one template with a JSON values file and prints the result
// byte for byte (what the service would commit), or the error on stderr.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "jinja/jinja.h"

namespace gitops::cli {
namespace {

struct RenderOptions {
  std::string template_path;
  std::string values_path;
  std::vector<std::string> search_paths;
  bool strict = false;
};

bool ReadAll(std::istream& in, std::string& out) {
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return !in.bad();
}

int RunRender(const RenderOptions& o) {
  std::string values_text;
  if (o.values_path == "-") {
    ReadAll(std::cin, values_text);
  } else {
    std::ifstream in(o.values_path, std::ios::binary);
    if (!in || !ReadAll(in, values_text)) {
      std::cerr << "error: cannot read values file '" << o.values_path << "'\n";
      return 2;
    }
  }
  jinja::Json values = jinja::Json::parse(values_text, nullptr, /*allow_exceptions=*/false);
  if (values.is_discarded()) {
    std::cerr << "error: values file '" << o.values_path << "' is not valid JSON\n";
    return 2;
  }
  if (!values.is_object() && !values.is_null()) {
    std::cerr << "error: values must be a JSON object\n";
    return 2;
  }
  std::filesystem::path template_path(o.template_path);
  std::string source;
  {
    std::ifstream in(template_path, std::ios::binary);
    if (!in || !ReadAll(in, source)) {
      std::cerr << "error: cannot read template '" << o.template_path << "'\n";
      return 2;
    }
  }
  std::vector<std::string> dirs = o.search_paths;
  std::filesystem::path own_dir = template_path.parent_path();
  dirs.push_back(own_dir.empty() ? std::string(".") : own_dir.string());
  jinja::Options options;
  options.strict_undefined = o.strict;
  jinja::Environment env(options, std::make_shared<jinja::DirectoryLoader>(std::move(dirs)));
  auto tmpl = env.FromString(source, template_path.filename().string());
  if (!tmpl.ok()) {
    std::cerr << "error: " << tmpl.error().message << "\n";
    return 1;
  }
  std::string out;
  Status st = (*tmpl)->RenderTo(values, out);
  if (!st.ok()) {
    std::cerr << "error: " << st.error().message << "\n";
    return 1;
  }
  std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace

void RegisterRenderCommand(CLI::App& app, CommandRunner& run) {
  auto opts = std::make_shared<RenderOptions>();
  CLI::App* cmd = app.add_subcommand(
      "render",
      "Render a Jinja2 template with JSON values and print the result to stdout (no newline "
      "added). include/import/extends names resolve in the --search-path directories in the "
      "order given, then in the template's own directory.");
  cmd->add_option("--template", opts->template_path, "Template file to render")->required();
  cmd->add_option("--values", opts->values_path,
                  "JSON file with the values (an object); '-' reads standard input")
      ->required();
  cmd->add_option("--search-path", opts->search_paths,
                  "Directory searched for included/imported/extended templates (repeatable; "
                  "searched before the template's own directory)");
  cmd->add_flag("--strict", opts->strict,
                "StrictUndefined: any use of an undefined value is an error");
  cmd->callback([opts, &run] { run = [opts] { return RunRender(*opts); }; });
}

}  // namespace gitops::cli
