// App: the composition root. Builds the service from a Config, choosing each seam's
// implementation by name (dev mode: in-memory store, queue and index; local bare Git
// repositories; webhooks logged, or with WEBHOOK_SIMULATE=false signed, sent and retried by a
// dispatcher over an in-memory delivery store), and owns every part's lifetime.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"

namespace gitops::app {

struct AppOptions {
  std::string host = "127.0.0.1";     // address the HTTP server binds
  int http_threads = 2;               // I/O threads of the HTTP server
  std::filesystem::path swagger_dir;  // swagger-ui-dist files for /docs; empty = look it up
};

class App {
 public:
  // Builds every part; nothing runs yet. kInvalidArgument when the configuration cannot be
  // served (e.g. production mode, which needs PostgreSQL and Redis, is not available in this
  // build); errors of the parts (templates, data directory) as they come.
  static Result<std::unique_ptr<App>> Create(config::Config config, AppOptions options,
                                             const Clock& clock);
  ~App();

  // Rebuilds the resource index from Git, starts the workers, then the HTTP server.
  Status Start();
  // The bound HTTP port (after Start).
  uint16_t port() const;
  // Stops accepting requests, lets running batches finish, stops the workers. Idempotent.
  void Stop();

 private:
  struct Parts;
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// The swagger-ui-dist folder: $SWAGGER_UI_DIR, else third_party/swagger-ui under the working
// directory, else next to the executable's parent (build/../third_party/swagger-ui). Empty
// when none exists.
std::filesystem::path FindSwaggerDir();

}  // namespace gitops::app
