// Private to src/git/: the tree of the branch tip kept in memory (directories loaded on first
// use), so a commit rewrites and hashes only the trees along the paths it changes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "git/pack_writer.h"

namespace gitops::git::internal {

constexpr uint32_t kModeTree = 040000;
constexpr uint32_t kModeBlob = 0100644;

struct TreeEntryData {
  std::string name;
  uint32_t mode = 0;
  ObjectId id;
};

class TreeCache {
 public:
  // Reads the entries of the tree `id` from the object database.
  using Loader = std::function<Result<std::vector<TreeEntryData>>(const ObjectId& id)>;

  explicit TreeCache(Loader loader);
  ~TreeCache();
  TreeCache(const TreeCache&) = delete;
  TreeCache& operator=(const TreeCache&) = delete;

  // Starts over from the tree `root` (nullopt: the empty tree); nothing is loaded yet.
  void Reset(std::optional<ObjectId> root);

  // Sets file `path` (validated by the caller) to blob `blob`, creating directories.
  // kFailedPrecondition when a file and a directory collide. On error the cache is left
  // half-changed: Reset() it.
  Status Upsert(std::string_view path, const ObjectId& blob);

  // Removes `path` (a file, or a directory with its contents); absent is a no-op. Directories
  // left empty are removed.
  Status Remove(std::string_view path);

  // Writes every tree changed since the last call into `pack` and returns the root tree's id.
  ObjectId WriteTrees(PackWriter& pack);

  // Directories held in memory (loaded or created).
  size_t node_count() const { return node_count_; }

 private:
  struct Node;
  struct Entry {
    uint32_t mode = 0;
    ObjectId id;
    std::unique_ptr<Node> child;  // directories only; null until loaded
  };
  struct Node {
    // Keyed by name, plus a trailing '/' for directories: iteration order is then Git's
    // tree order, and a file and a directory of the same name are told apart.
    std::map<std::string, Entry, std::less<>> entries;
    ObjectId id;
    bool dirty = false;  // id is stale
  };

  Result<Node*> Child(Entry& entry);
  ObjectId WriteNode(Node& node, PackWriter& pack);

  Loader loader_;
  std::unique_ptr<Node> root_;
  std::optional<ObjectId> root_id_;  // id of the tree to load root_ from
  size_t node_count_ = 0;
  std::string key_;         // scratch key for lookups
  std::string serialized_;  // scratch buffer for tree bodies
};

}  // namespace gitops::git::internal
