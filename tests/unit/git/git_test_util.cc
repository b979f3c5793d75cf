// Test helpers for the Git adapter (see git_test_util.h).
#include "git_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace gitops::git::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gitops-git-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

std::vector<std::string> GitEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string var(*e);
    if (var.rfind("GIT_", 0) == 0 || var.rfind("HOME=", 0) == 0) continue;
    env.push_back(var);
  }
  env.push_back("HOME=/nonexistent");
  env.push_back("GIT_CONFIG_NOSYSTEM=1");
  env.push_back("GIT_CONFIG_GLOBAL=/dev/null");
  env.push_back("GIT_AUTHOR_NAME=Out Of Band");
  env.push_back("GIT_AUTHOR_EMAIL=oob@example.com");
  env.push_back("GIT_COMMITTER_NAME=Out Of Band");
  env.push_back("GIT_COMMITTER_EMAIL=oob@example.com");
  env.push_back("GIT_TERMINAL_PROMPT=0");
  return env;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

CommandResult Run(const std::vector<std::string>& argv) {
  CommandResult result;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env = GitEnvironment();
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc == 0) {
    char buf[4096];
    ssize_t n;
    while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0) result.output.append(buf, n);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  close(pipe_fds[0]);
  return result;
}

std::string Git(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = Run(argv);
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    ADD_FAILURE() << cmd << "exited " << r.exit_code << ": " << r.output;
  }
  return Trim(r.output);
}

std::string CommitOutOfBand(const std::string& remote, const std::string& branch,
                            const std::string& scratch, const std::string& path,
                            const std::string& content) {
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  Git({"clone", "-q", "--branch", branch, remote, scratch});
  std::filesystem::path file = std::filesystem::path(scratch) / path;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << content;
  Git({"-C", scratch, "add", path});
  Git({"-C", scratch, "commit", "-q", "-m", "out-of-band edit of " + path});
  Git({"-C", scratch, "push", "-q", "origin", branch});
  return Git({"-C", scratch, "rev-parse", "HEAD"});
}

ListeningSocket ListenOnFreePort() {
  ListeningSocket s;
  s.fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (s.fd < 0 || bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(s.fd, 64) != 0 || getsockname(s.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1:0");
  }
  s.port = ntohs(addr.sin_port);
  return s;
}

GitHttpServer::GitHttpServer(const std::string& root, const std::string& work_dir,
                             const std::string& user, const std::string& password) {
  std::string users = work_dir + "/users";
  std::ofstream(users) << user << ":" << password << "\n";
  std::string conf = work_dir + "/lighttpd.conf";
  std::ofstream(conf)
      // The listening socket is inherited (fd 3). lighttpd still binds server.bind itself, so
      // give it a unix socket of this test's own: a fixed TCP port would let only one of the
      // tests running in parallel start.
      << "server.bind = \"" << work_dir << "/unused.sock\"\n"
      << "server.systemd-socket-activation = \"enable\"\n"
      << "server.feature-flags = (\"auth.delay-invalid-creds\" => \"disable\")\n"
      << "server.document-root = \"" << work_dir << "\"\n"
      << "server.errorlog = \"" << work_dir << "/error.log\"\n"
      << "server.modules = (\"mod_alias\", \"mod_setenv\", \"mod_auth\", \"mod_authn_file\", "
         "\"mod_cgi\")\n"
      << "alias.url = ( \"/git\" => \"/usr/lib/git-core/git-http-backend\" )\n"
      << "$HTTP[\"url\"] =~ \"^/git\" {\n"
      << "  cgi.assign = (\"\" => \"\")\n"
      << "  setenv.set-environment = (\"GIT_PROJECT_ROOT\" => \"" << root
      << "\", \"GIT_HTTP_EXPORT_ALL\" => \"\")\n"
      << "  auth.backend = \"plain\"\n"
      << "  auth.backend.plain.userfile = \"" << users << "\"\n"
      << "  auth.require = (\"\" => (\"method\" => \"basic\", \"realm\" => \"git\", "
         "\"require\" => \"valid-user\"))\n"
      << "}\n";
  ListeningSocket sock = ListenOnFreePort();
  port_ = sock.port;
  std::string script = "LISTEN_PID=$$ LISTEN_FDS=1 exec lighttpd -D -f '" + conf + "'";
  pid_t pid = fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    if (sock.fd != 3) {
      dup2(sock.fd, 3);
      close(sock.fd);
    }
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(sock.fd);
  pid_ = pid;
}

GitHttpServer::~GitHttpServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::string GitHttpServer::Url(const std::string& repo_name) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/git/" + repo_name;
}

}  // namespace gitops::git::testing
