// Private to src/git/: writes Git packfiles (+ .idx v2) of whole, zlib-deflated objects straight
// from memory, and merges such packs into one. Used instead of libgit2's mempack + packbuilder +
// indexer, which re-read, re-compress and re-hash every object of a batch (see pack_writer.cc).
#pragma once

#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/result.h"

namespace gitops::git::internal {

// A SHA-1 object id.
struct ObjectId {
  std::array<unsigned char, 20> bytes{};
  bool operator==(const ObjectId& o) const { return bytes == o.bytes; }
  bool operator!=(const ObjectId& o) const { return bytes != o.bytes; }
  bool operator<(const ObjectId& o) const { return bytes < o.bytes; }
  std::string Hex() const;
};

struct ObjectIdHash {
  size_t operator()(const ObjectId& id) const {
    size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof(h));  // already uniformly distributed
    return h;
  }
};

enum class ObjectType { kCommit = 1, kTree = 2, kBlob = 3, kTag = 4 };

// The Git id of an object: SHA-1 of "<type> <size>\0" + data.
ObjectId HashObject(ObjectType type, std::string_view data);

// A pack written into a pack directory: files <dir>/<name>.pack and <dir>/<name>.idx.
struct PackInfo {
  std::string name;  // "pack-<40 hex of the pack checksum>"
  uint32_t objects = 0;
  uint64_t bytes = 0;  // size of the .pack file
};

// Collects objects of one batch in memory and writes them as one pack. Not thread-safe.
class PackWriter {
 public:
  PackWriter();
  ~PackWriter();
  PackWriter(const PackWriter&) = delete;
  PackWriter& operator=(const PackWriter&) = delete;

  // Hashes, deflates (zlib level 1; trees and deltas are only framed, see .cc) and appends `data`
  // unless an object with the same id was added since the last Clear(); returns the object's id.
  ObjectId Add(ObjectType type, std::string_view data);

  // Like Add for a tree, stored as a delta against tree `base` when `base` was added (as a
  // tree) since the last Clear() and the delta is small: successive versions of a directory
  // within a batch differ by an entry or two. Trees are kept in memory until Clear() for that.
  ObjectId AddTree(std::string_view data, const ObjectId* base);

  size_t object_count() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Forgets every object added.
  void Clear();

  // Writes the pack and its .idx into `pack_dir` (temp files renamed into place, the .pack
  // before the .idx so readers never see an index without its pack). Does not Clear().
  Result<PackInfo> Write(const std::string& pack_dir) const;

 private:
  struct Entry {
    ObjectId id;
    uint64_t offset;  // from the start of the body (the 12-byte pack header excluded)
    uint32_t crc;     // CRC-32 of the entry's bytes (header + deflated data), as .idx stores
  };
  struct Slot {
    size_t entry;   // index in entries_
    int depth;      // delta chain length (0: whole object)
    int tree = -1;  // index in trees_ when the object is a tree kept for deltas
  };
  // Appends an entry: `pack_type` (1-4, or 6 for an offset delta against `base_offset`).
  void AppendEntry(const ObjectId& id, int pack_type, std::string_view data, uint64_t base_offset);
  std::string body_;
  std::vector<Entry> entries_;
  std::unordered_map<ObjectId, Slot, ObjectIdHash> ids_;
  std::vector<std::string> trees_;
  z_stream fast_{};   // zlib level 1: blobs and commits
  z_stream store_{};  // zlib level 0: trees and deltas
  std::string delta_;
};

// Merges the packs `names` of `pack_dir` into one new pack there (objects present in several
// are kept once, offset deltas re-pointed at the copy kept) and returns it; the sources are
// left in place. Entries are copied as they are (no recompression). kFailedPrecondition for a
// pack that cannot be read as pack v2 + index v2. Memory use is bounded by the indexes.
Result<PackInfo> MergePacks(const std::string& pack_dir, const std::vector<std::string>& names);

// Removes <pack_dir>/<name>.idx then .pack (that order: readers find packs by their index).
// Missing files are not an error.
void RemovePack(const std::string& pack_dir, const std::string& name);

}  // namespace gitops::git::internal
