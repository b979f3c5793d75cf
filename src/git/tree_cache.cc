// TreeCache (see tree_cache.h): a lazily loaded copy of the tip tree; changed directories are
// marked dirty up to the root and serialized in Git's tree format when a commit is written.
#include "git/tree_cache.h"

#include <cstdio>

namespace gitops::git::internal {

namespace {

// Splits "a/b/c" into components (the caller validated the path).
std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      parts.push_back(path.substr(start));
      return parts;
    }
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

}  // namespace

TreeCache::TreeCache(Loader loader) : loader_(std::move(loader)) { Reset(std::nullopt); }

TreeCache::~TreeCache() = default;

void TreeCache::Reset(std::optional<ObjectId> root) {
  root_.reset();
  root_id_ = root;
  node_count_ = 0;
}

Result<TreeCache::Node*> TreeCache::Child(Entry& entry) {
  if (entry.child != nullptr) return entry.child.get();
  auto loaded = loader_(entry.id);
  if (!loaded.ok()) return std::move(loaded).error();
  auto node = std::make_unique<Node>();
  for (TreeEntryData& e : *loaded) {
    std::string key = std::move(e.name);
    if (e.mode == kModeTree) key += '/';
    node->entries.emplace(std::move(key), Entry{e.mode, e.id, nullptr});
  }
  node->id = entry.id;
  entry.child = std::move(node);
  ++node_count_;
  return entry.child.get();
}

Status TreeCache::Upsert(std::string_view path, const ObjectId& blob) {
  if (root_ == nullptr) {
    // The root is loaded like any directory, through a stand-in entry.
    Entry holder;
    if (root_id_) {
      holder.id = *root_id_;
      auto node = Child(holder);
      if (!node.ok()) return std::move(node).error();
      root_ = std::move(holder.child);
    } else {
      root_ = std::make_unique<Node>();
      root_->dirty = true;
      ++node_count_;
    }
  }
  std::vector<std::string_view> parts = Components(path);
  std::vector<Node*> along;
  along.reserve(parts.size());
  Node* node = root_.get();
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    along.push_back(node);
    key_.assign(parts[i]);
    if (node->entries.count(key_) != 0) {
      return Unexpected(
          ErrorCode::kFailedPrecondition,
          "cannot write '" + std::string(path) + "': '" +
              std::string(path.substr(0, parts[i].data() + parts[i].size() - path.data())) +
              "' is a file");
    }
    key_ += '/';
    auto it = node->entries.find(key_);
    if (it == node->entries.end()) {
      Entry entry{kModeTree, ObjectId{}, std::make_unique<Node>()};
      entry.child->dirty = true;
      ++node_count_;
      it = node->entries.emplace(key_, std::move(entry)).first;
    }
    auto child = Child(it->second);
    if (!child.ok()) return std::move(child).error();
    node = *child;
  }
  along.push_back(node);
  key_.assign(parts.back());
  key_ += '/';
  if (node->entries.count(key_) != 0) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "cannot write '" + std::string(path) + "': it is a directory");
  }
  key_.pop_back();
  auto it = node->entries.find(key_);
  if (it != node->entries.end() && it->second.id == blob && it->second.mode == kModeBlob) {
    return OkStatus();  // unchanged
  }
  if (it == node->entries.end()) {
    node->entries.emplace(key_, Entry{kModeBlob, blob, nullptr});
  } else {
    it->second.mode = kModeBlob;
    it->second.id = blob;
  }
  for (Node* n : along) n->dirty = true;
  return OkStatus();
}

Status TreeCache::Remove(std::string_view path) {
  if (root_ == nullptr) {
    if (!root_id_) return OkStatus();  // empty tree: nothing to remove
    Entry holder;
    holder.id = *root_id_;
    auto node = Child(holder);
    if (!node.ok()) return std::move(node).error();
    root_ = std::move(holder.child);
  }
  std::vector<std::string_view> parts = Components(path);
  std::vector<Node*> along;
  along.reserve(parts.size());
  Node* node = root_.get();
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    along.push_back(node);
    key_.assign(parts[i]);
    key_ += '/';
    auto it = node->entries.find(key_);
    if (it == node->entries.end()) return OkStatus();  // absent (or a file on the way)
    auto child = Child(it->second);
    if (!child.ok()) return std::move(child).error();
    node = *child;
  }
  along.push_back(node);
  key_.assign(parts.back());
  auto it = node->entries.find(key_);
  if (it == node->entries.end()) {
    key_ += '/';
    it = node->entries.find(key_);
    if (it == node->entries.end()) return OkStatus();
  }
  node->entries.erase(it);
  for (Node* n : along) n->dirty = true;
  // Remove directories left empty, bottom up (never the root).
  for (size_t i = along.size() - 1; i > 0 && along[i]->entries.empty(); --i) {
    key_.assign(parts[i - 1]);
    key_ += '/';
    along[i - 1]->entries.erase(key_);
    --node_count_;
  }
  return OkStatus();
}

ObjectId TreeCache::WriteNode(Node& node, PackWriter& pack) {
  for (auto& [key, entry] : node.entries) {
    if (entry.child != nullptr && entry.child->dirty) entry.id = WriteNode(*entry.child, pack);
  }
  serialized_.clear();
  for (const auto& [key, entry] : node.entries) {
    if (entry.mode == kModeTree) {
      serialized_.append("40000 ", 6);
    } else if (entry.mode == kModeBlob) {
      serialized_.append("100644 ", 7);
    } else {
      char mode[16];
      int n = std::snprintf(mode, sizeof(mode), "%o ", entry.mode);
      serialized_.append(mode, static_cast<size_t>(n));
    }
    bool is_tree = entry.mode == kModeTree;
    serialized_.append(key.data(), key.size() - (is_tree ? 1 : 0));
    serialized_.push_back('\0');
    serialized_.append(reinterpret_cast<const char*>(entry.id.bytes.data()), 20);
  }
  ObjectId previous = node.id;  // the last version: a delta base when it is in this pack
  node.id = pack.AddTree(serialized_, &previous);
  node.dirty = false;
  return node.id;
}

ObjectId TreeCache::WriteTrees(PackWriter& pack) {
  if (root_ == nullptr) {
    if (root_id_) return *root_id_;
    root_ = std::make_unique<Node>();
    root_->dirty = true;
    ++node_count_;
  }
  if (root_->dirty) WriteNode(*root_, pack);
  return root_->id;
}

}  // namespace gitops::git::internal
