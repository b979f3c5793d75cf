// Test helpers for the Git adapter: temp directories, running the git CLI, and a git-over-HTTP
// server (lighttpd + git-http-backend with Basic auth) on 127.0.0.1.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace gitops::git::testing {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `argv` (no shell) with a fixed identity and no user/system git config; waits for it.
CommandResult Run(const std::vector<std::string>& argv);

// Runs `git <args...>` and returns its trimmed output; ADD_FAILURE on a non-zero exit.
std::string Git(const std::vector<std::string>& args);

// Makes a commit on `branch` of the bare repository `remote` through a clone in `scratch`
// (the way a person would: clone, edit, commit, push). Returns the new commit id.
std::string CommitOutOfBand(const std::string& remote, const std::string& branch,
                            const std::string& scratch, const std::string& path,
                            const std::string& content);

// Binds 127.0.0.1:0, listens, and returns the fd and port (for socket-activated servers).
struct ListeningSocket {
  int fd = -1;
  int port = 0;
};
ListeningSocket ListenOnFreePort();

// lighttpd serving the bare repositories under `root` at http://127.0.0.1:<port>/git/<name>,
// with Basic auth for one user. Started on construction on an already-listening socket (so it
// is reachable at once), stopped (SIGTERM, waited for) on destruction.
class GitHttpServer {
 public:
  GitHttpServer(const std::string& root, const std::string& work_dir, const std::string& user,
                const std::string& password);
  ~GitHttpServer();
  GitHttpServer(const GitHttpServer&) = delete;
  GitHttpServer& operator=(const GitHttpServer&) = delete;
  bool running() const { return pid_ > 0; }
  std::string Url(const std::string& repo_name) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace gitops::git::testing
