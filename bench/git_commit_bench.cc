// Git adapter throughput: batches of create commits (one ~1 KB manifest each, distinct paths
// tenants/tN/vm/nameK/manifest.yaml) published into a local bare remote, one push per batch.
// Usage: git_commit_bench [--batch N] [--batches M] [--bytes B] [--tenants T] [--dir D]
//                         [--deltas 0|1]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "git/repository.h"

namespace {

using gitops::git::CommitSpec;
using gitops::git::FileChange;

std::string Manifest(int tenant, int index, int bytes) {
  std::string s = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: name" +
                  std::to_string(index) + "\n  labels:\n    tenant.io/id: t" +
                  std::to_string(tenant) + "\n    managed-by: gitops-api\nspec:\n";
  int line = 0;
  while (static_cast<int>(s.size()) < bytes) {
    int field = line++;
    s += "  field" + std::to_string(field) + ": value-" + std::to_string(index * 31 + line) + "\n";
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int batch = 1000, batches = 5, bytes = 1024, tenants = 100, deltas = 1;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--batch") batch = std::atoi(argv[i + 1]);
    if (flag == "--batches") batches = std::atoi(argv[i + 1]);
    if (flag == "--bytes") bytes = std::atoi(argv[i + 1]);
    if (flag == "--tenants") tenants = std::atoi(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
    if (flag == "--deltas") deltas = std::atoi(argv[i + 1]);
  }
  bool own_dir = dir.empty();
  if (own_dir) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "git-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
  }
  std::string remote = dir + "/remote.git";
  if (auto s = gitops::git::CreateBareRepository(remote, "main"); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  gitops::git::RepositoryOptions options;
  options.cache_dir = dir + "/cache";
  options.remote_url = remote;
  options.delta_compression = deltas != 0;
  auto repo = gitops::git::Repository::Open(options);
  if (!repo.ok()) {
    std::fprintf(stderr, "%s\n", repo.error().message.c_str());
    return 1;
  }
  std::printf("batch=%d commits, %d batches, %d-byte files, %d tenants, deltas %s, remote %s\n",
              batch, batches, bytes, tenants, deltas ? "on" : "off", remote.c_str());
  int next = 0;
  double total_seconds = 0;
  for (int b = 0; b < batches; ++b) {
    std::vector<CommitSpec> commits;
    commits.reserve(batch);
    for (int i = 0; i < batch; ++i, ++next) {
      int tenant = next % tenants;
      CommitSpec spec;
      spec.message = "Deploy vm name" + std::to_string(next) + " for tenant t" +
                     std::to_string(tenant) + "\n\nJob-Id: job-" + std::to_string(next) +
                     "\nTenant-Id: t" + std::to_string(tenant) + "\n";
      spec.author_name = "GitOps API";
      spec.author_email = "gitops-api@example.com";
      spec.time = std::chrono::system_clock::now();
      spec.changes.push_back(FileChange{"tenants/t" + std::to_string(tenant) + "/vm/name" +
                                            std::to_string(next) + "/manifest.yaml",
                                        Manifest(tenant, next, bytes)});
      commits.push_back(std::move(spec));
    }
    gitops::git::PublishOptions publish;
    publish.cache_is_current = b > 0;  // as the service does right after its own push
    auto start = std::chrono::steady_clock::now();
    auto result = (*repo)->Publish(commits, publish);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!result.ok()) {
      std::fprintf(stderr, "publish failed: %s\n", result.error().message.c_str());
      return 1;
    }
    total_seconds += seconds;
    std::printf("batch %d: %d commits in %.3f s = %.0f commits/s (attempts %d)\n", b + 1, batch,
                seconds, batch / seconds, result->attempts);
  }
  std::printf("total: %d commits in %.3f s = %.0f commits/s\n", batch * batches, total_seconds,
              batch * batches / total_seconds);
  repo->reset();  // closes the cache (finishing any pack merge) before measuring and removing
  std::uintmax_t bytes_on_disk = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(remote)) {
    if (entry.is_regular_file()) bytes_on_disk += entry.file_size();
  }
  std::printf("remote size: %.1f MB\n", bytes_on_disk / 1e6);
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
