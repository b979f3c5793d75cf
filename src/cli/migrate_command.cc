// `gitops-api migrate`: creates or upgrades the PostgreSQL schema of production mode with the
// migrations compiled into the binary (migrations/*.sql). Safe to run twice and from several
// processes at once (pg::Migrate serializes them on an advisory lock).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "config/dotenv.h"
#include "pg/migrate.h"
#include "pg/pool.h"

namespace gitops::cli {
namespace {

// DATABASE_URL from the environment, else from ./.env (as `serve` reads it).
std::string DatabaseUrl() {
  config::EnvMap env = config::ProcessEnvironment();
  if (auto it = env.find("DATABASE_URL"); it != env.end() && !it->second.empty()) {
    return it->second;
  }
  std::ifstream in(std::filesystem::current_path() / ".env");
  if (!in) return "";
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = config::ParseDotEnv(text.str(), ".env");
  if (!parsed.ok()) return "";
  auto it = parsed->find("DATABASE_URL");
  return it == parsed->end() ? "" : it->second;
}

int Migrate() {
  std::string url = DatabaseUrl();
  if (url.empty()) {
    std::cerr << "gitops-api: DATABASE_URL is not set (the PostgreSQL database to migrate)\n";
    return 2;
  }
  pg::PoolOptions options;
  options.conninfo = url;
  options.max_connections = 2;
  pg::Pool pool(options);
  const auto& migrations = pg::EmbeddedMigrations();
  auto before = pg::SchemaVersion(pool);
  if (!before.ok()) {
    std::cerr << "gitops-api: PostgreSQL (DATABASE_URL) is unreachable: " << before.error().message
              << "\n";
    return 1;
  }
  if (Status st = pg::Migrate(pool, migrations); !st.ok()) {
    std::cerr << "gitops-api: migration failed on " << pool.target() << ": " << st.error().message
              << "\n";
    return 1;
  }
  auto after = pg::SchemaVersion(pool);
  if (!after.ok()) {
    std::cerr << "gitops-api: " << after.error().message << "\n";
    return 1;
  }
  if (*after == *before) {
    std::cout << "schema of " << pool.target() << " is up to date (version " << *after << ")\n";
  } else {
    std::cout << "schema of " << pool.target() << " migrated from version " << *before << " to "
              << *after << "\n";
  }
  return 0;
}

}  // namespace

void RegisterMigrateCommand(CLI::App& app, CommandRunner& run) {
  auto* cmd = app.add_subcommand(
      "migrate",
      "Create or upgrade the PostgreSQL schema (DATABASE_URL) of production mode. Safe to run "
      "twice and from several processes at once");
  cmd->callback([&run] { run = [] { return Migrate(); }; });
}

}  // namespace gitops::cli
