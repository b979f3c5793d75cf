// Environment (compile + cache), Template (render entry points) and the two loaders.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "jinja/evaluator.h"
#include "jinja/jinja.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"

namespace gitops::jinja {

// ---- loaders -----------------------------------------------------------------------------

DirectoryLoader::DirectoryLoader(std::vector<std::string> search_paths)
    : search_paths_(std::move(search_paths)) {}

namespace {

// Splits a template name into path segments as Jinja's split_template_path does; rejects
// names that would leave the search path.
bool SafeSegments(std::string_view name, std::vector<std::string>& out) {
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string_view::npos) slash = name.size();
    std::string_view seg = name.substr(start, slash - start);
    if (seg == "..") return false;
    if (!seg.empty() && seg != ".") out.emplace_back(seg);
    start = slash + 1;
  }
  return !out.empty() && name.find('\\') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

}  // namespace

Result<std::string> DirectoryLoader::Load(std::string_view name) const {
  std::vector<std::string> segments;
  if (!SafeSegments(name, segments)) {
    return Unexpected(ErrorCode::kNotFound, "template '" + std::string(name) + "' not found");
  }
  for (const auto& dir : search_paths_) {
    std::filesystem::path p(dir);
    for (const auto& s : segments) p /= s;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) continue;
    std::ifstream in(p, std::ios::binary);
    if (!in) continue;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  return Unexpected(ErrorCode::kNotFound, "template '" + std::string(name) + "' not found");
}

MapLoader::MapLoader(std::map<std::string, std::string> sources) : sources_(std::move(sources)) {}

Result<std::string> MapLoader::Load(std::string_view name) const {
  auto it = sources_.find(std::string(name));
  if (it == sources_.end()) {
    return Unexpected(ErrorCode::kNotFound, "template '" + std::string(name) + "' not found");
  }
  return it->second;
}

// ---- Template ----------------------------------------------------------------------------

Template::Template(const Environment* env, std::shared_ptr<const CompiledTemplate> compiled)
    : env_(env), compiled_(std::move(compiled)) {}

const std::string& Template::name() const { return compiled_->name; }

Result<std::string> Template::Render(const Json& context) const {
  std::string out;
  Status st = RenderTo(context, out);
  if (!st.ok()) return Unexpected(std::move(st).error());
  return out;
}

Status Template::RenderTo(const Json& context, std::string& out) const {
  out.clear();
  return RenderTemplate(*env_, *compiled_, context, out);
}

// ---- Environment -------------------------------------------------------------------------

Environment::Environment(Options options, std::shared_ptr<const Loader> loader)
    : options_(std::move(options)), loader_(std::move(loader)) {}

Environment::~Environment() = default;

Result<TemplatePtr> Environment::FromString(std::string_view source, std::string name) const {
  LexOptions lex_options{options_.trim_blocks, options_.lstrip_blocks,
                         options_.keep_trailing_newline};
  auto tokens = Lex(source, name, lex_options);
  if (!tokens.ok()) return Unexpected(std::move(tokens).error());
  auto ast = Parse(std::move(tokens).value(), name);
  if (!ast.ok()) return Unexpected(std::move(ast).error());
  auto compiled = std::make_shared<CompiledTemplate>();
  compiled->name = std::move(name);
  compiled->ast = std::move(ast).value();
  return std::make_shared<const Template>(this, std::move(compiled));
}

Result<TemplatePtr> Environment::GetTemplate(std::string_view name) const {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(std::string(name));
    if (it != cache_.end()) return it->second;
  }
  if (!loader_) {
    return Unexpected(ErrorCode::kNotFound,
                      "template '" + std::string(name) + "' not found (no loader)");
  }
  auto source = loader_->Load(name);
  if (!source.ok()) return Unexpected(std::move(source).error());
  auto tmpl = FromString(*source, std::string(name));
  if (!tmpl.ok()) return tmpl;
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto [it, inserted] = cache_.emplace(std::string(name), *tmpl);
  return it->second;
}

}  // namespace gitops::jinja
