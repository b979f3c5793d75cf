// Pack and index writing (see pack_writer.h). Formats: Documentation/gitformat-pack.txt of Git.
//
// Why not libgit2: publishing a batch through git_mempack + git_packbuilder + git_odb_write_pack
// deflated every object twice, searched for deltas, then had the indexer inflate and hash every
// object again just to learn ids, offsets and CRCs that the writer already knew; together that
// was about half of the service's CPU per create job. Here each object is hashed and deflated
// once, as it is created, and the .idx is written from what is already known. The output is a
// standard pack v2 + index v2, checked with `git fsck --strict` / `git verify-pack` in tests.
#include "git/pack_writer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>

namespace gitops::git::internal {

namespace {

constexpr size_t kPackHeaderSize = 12;
constexpr size_t kHashSize = 20;
constexpr int kOfsDelta = 6;
constexpr int kRefDelta = 7;
constexpr int kMaxDeltaDepth = 50;            // Git's default pack.depth
constexpr uint64_t kReleaseChunk = 8u << 20;  // see MappedFile::Release

// The distance back to an offset delta's base, in Git's big-endian base-128 "offset" form
// (each continuation adds one, so every value has a single encoding).
void AppendOffset(std::string& out, uint64_t distance) {
  unsigned char buf[16];
  size_t pos = sizeof(buf) - 1;
  buf[pos] = static_cast<unsigned char>(distance & 127);
  while (distance >>= 7) buf[--pos] = static_cast<unsigned char>(128 | (--distance & 127));
  out.append(reinterpret_cast<const char*>(buf + pos), sizeof(buf) - pos);
}

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(0x80 | (v & 0x7f)));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A Git delta turning `base` into `target`: copy the common prefix, insert the middle, copy the
// common suffix. Enough for directories, where a version differs from the previous one by a
// few neighbouring entries.
void MakeDelta(std::string_view base, std::string_view target, std::string& out) {
  out.clear();
  AppendVarint(out, base.size());
  AppendVarint(out, target.size());
  size_t limit = std::min(base.size(), target.size());
  size_t prefix = 0;
  while (prefix < limit && base[prefix] == target[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < limit - prefix &&
         base[base.size() - 1 - suffix] == target[target.size() - 1 - suffix]) {
    ++suffix;
  }
  auto copy = [&out](size_t offset, size_t size) {
    while (size > 0) {
      size_t n = std::min<size_t>(size, 0xffff);
      unsigned char op = 0x80;
      std::string args;
      for (int i = 0; i < 4; ++i) {
        unsigned char byte = static_cast<unsigned char>(offset >> (8 * i));
        if (byte != 0) {
          op |= static_cast<unsigned char>(1 << i);
          args.push_back(static_cast<char>(byte));
        }
      }
      for (int i = 0; i < 2; ++i) {
        unsigned char byte = static_cast<unsigned char>(n >> (8 * i));
        if (byte != 0) {
          op |= static_cast<unsigned char>(0x10 << i);
          args.push_back(static_cast<char>(byte));
        }
      }
      out.push_back(static_cast<char>(op));
      out += args;
      offset += n;
      size -= n;
    }
  };
  copy(0, prefix);
  std::string_view middle = target.substr(prefix, target.size() - prefix - suffix);
  while (!middle.empty()) {
    size_t n = std::min<size_t>(middle.size(), 127);
    out.push_back(static_cast<char>(n));
    out.append(middle.data(), n);
    middle.remove_prefix(n);
  }
  copy(base.size() - suffix, suffix);
}

// Incremental SHA-1 (OpenSSL EVP; the context is reused between digests).
class Sha1 {
 public:
  Sha1() : ctx_(EVP_MD_CTX_new()), md_(EVP_MD_fetch(nullptr, "SHA1", nullptr)) { Reset(); }
  ~Sha1() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;
  void Reset() { EVP_DigestInit_ex(ctx_, md_, nullptr); }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(ctx_, data, size); }
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  ObjectId Final() {
    ObjectId id;
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, id.bytes.data(), &len);
    return id;
  }

 private:
  EVP_MD_CTX* ctx_;
  EVP_MD* md_;
};

Sha1& ThreadSha1() {
  thread_local Sha1 sha;
  return sha;
}

void PutBe32(std::string& out, uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  out.append(b, 4);
}

uint32_t GetBe32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

const char* TypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kCommit:
      return "commit";
    case ObjectType::kTree:
      return "tree";
    case ObjectType::kBlob:
      return "blob";
    case ObjectType::kTag:
      return "tag";
  }
  return "blob";
}

std::string PackHeader(uint32_t count) {
  std::string h = "PACK";
  PutBe32(h, 2);
  PutBe32(h, count);
  return h;
}

struct IndexEntry {
  ObjectId id;
  uint64_t offset;  // absolute, in the .pack file
  uint32_t crc;
};

// Index v2: magic, version, fan-out, sorted ids, CRCs, 31-bit offsets (+ 64-bit table), pack
// checksum, index checksum. Sorts `entries`.
std::string BuildIndex(std::vector<IndexEntry>& entries, const ObjectId& pack_checksum) {
  std::sort(entries.begin(), entries.end(),
            [](const IndexEntry& a, const IndexEntry& b) { return a.id < b.id; });
  std::string out;
  out.reserve(8 + 1024 + entries.size() * 28 + 40);
  out.append("\377tOc", 4);
  PutBe32(out, 2);
  uint32_t fanout[256] = {};
  for (const IndexEntry& e : entries) ++fanout[e.id.bytes[0]];
  uint32_t running = 0;
  for (uint32_t& f : fanout) {
    running += f;
    f = running;
  }
  for (uint32_t f : fanout) PutBe32(out, f);
  for (const IndexEntry& e : entries) {
    out.append(reinterpret_cast<const char*>(e.id.bytes.data()), kHashSize);
  }
  for (const IndexEntry& e : entries) PutBe32(out, e.crc);
  std::vector<uint64_t> large;
  for (const IndexEntry& e : entries) {
    if (e.offset < 0x80000000ull) {
      PutBe32(out, static_cast<uint32_t>(e.offset));
    } else {
      PutBe32(out, 0x80000000u | static_cast<uint32_t>(large.size()));
      large.push_back(e.offset);
    }
  }
  for (uint64_t off : large) {
    PutBe32(out, static_cast<uint32_t>(off >> 32));
    PutBe32(out, static_cast<uint32_t>(off));
  }
  out.append(reinterpret_cast<const char*>(pack_checksum.bytes.data()), kHashSize);
  Sha1& sha = ThreadSha1();
  sha.Reset();
  sha.Update(out);
  ObjectId idx_checksum = sha.Final();
  out.append(reinterpret_cast<const char*>(idx_checksum.bytes.data()), kHashSize);
  return out;
}

Error IoError(const std::string& what) {
  return MakeError(ErrorCode::kInternal, what + ": " + std::strerror(errno));
}

// A temp file in `dir`, renamed to its final name by Commit() or removed on destruction.
class TempFile {
 public:
  explicit TempFile(const std::string& dir) : path_(dir + "/tmp_pack_XXXXXX") {
    fd_ = mkstemp(path_.data());
    created_ = fd_ >= 0;
  }
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
    if (created_ && !committed_) unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  Status Append(const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      ssize_t n = write(fd_, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("cannot write " + path_);
      p += n;
      size -= static_cast<size_t>(n);
    }
    return OkStatus();
  }

  // Makes the file read-only (as Git does for packs) and moves it to `final_path`.
  Status Commit(const std::string& final_path) {
    fchmod(fd_, 0444);
    if (close(fd_) != 0) {
      fd_ = -1;
      return IoError("cannot close " + path_);
    }
    fd_ = -1;
    if (rename(path_.c_str(), final_path.c_str()) != 0) {
      return IoError("cannot rename " + path_ + " to " + final_path);
    }
    committed_ = true;
    return OkStatus();
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool created_ = false;
  bool committed_ = false;
};

Status WriteWholeFile(const std::string& dir, const std::string& final_path,
                      std::string_view content) {
  TempFile file(dir);
  if (!file.ok()) return IoError("cannot create a temp file in " + dir);
  GITOPS_RETURN_IF_ERROR(file.Append(content.data(), content.size()));
  return file.Commit(final_path);
}

// A read-only mapping of a whole file.
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile() {
    if (data_ != nullptr) munmap(data_, size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  Status Open(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError("cannot open " + path);
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      close(fd);
      return IoError("cannot stat " + path);
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        close(fd);
        return IoError("cannot map " + path);
      }
      data_ = p;
    }
    close(fd);
    return OkStatus();
  }
  const unsigned char* data() const { return static_cast<const unsigned char*>(data_); }
  size_t size() const { return size_; }

  // Drops the pages wholly inside [from, to) from this process's memory (they are read again
  // from the page cache if touched), so reading a large pack does not make it all resident.
  void Release(size_t from, size_t to) const {
    static const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    from = (from + kPage - 1) / kPage * kPage;
    to = std::min(to, size_) / kPage * kPage;
    if (data_ != nullptr && from < to) {
      madvise(static_cast<char*>(data_) + from, to - from, MADV_DONTNEED);
    }
  }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

// One source pack of a merge: its mapping and its entries sorted by offset, with lengths.
struct SourcePack {
  MappedFile pack;
  struct Item {
    ObjectId id;
    uint64_t offset;
    uint64_t length;
    uint32_t crc;
    bool keep;
    uint64_t base_offset;    // offset deltas: where the base is in this pack; else 0
    uint32_t header_length;  // type/size bytes (the base distance follows for offset deltas)
    uint32_t data_start;     // from `offset`: where the deflated data begins
  };
  std::vector<Item> items;
};

Status LoadSource(const std::string& pack_dir, const std::string& name, SourcePack* out) {
  std::string base = pack_dir + "/" + name;
  MappedFile idx;
  GITOPS_RETURN_IF_ERROR(idx.Open(base + ".idx"));
  GITOPS_RETURN_IF_ERROR(out->pack.Open(base + ".pack"));
  auto bad = [&](const std::string& why) {
    return Unexpected(ErrorCode::kFailedPrecondition, "cannot merge pack " + name + ": " + why);
  };
  const unsigned char* p = idx.data();
  size_t size = idx.size();
  if (size < 8 + 1024 + 2 * kHashSize || std::memcmp(p, "\377tOc", 4) != 0 || GetBe32(p + 4) != 2) {
    return bad("not an index v2");
  }
  uint32_t n = GetBe32(p + 8 + 255 * 4);
  size_t ids_at = 8 + 1024;
  size_t crc_at = ids_at + size_t{n} * kHashSize;
  size_t off_at = crc_at + size_t{n} * 4;
  size_t large_at = off_at + size_t{n} * 4;
  if (large_at + 2 * kHashSize > size) return bad("truncated index");
  const unsigned char* pack = out->pack.data();
  size_t pack_size = out->pack.size();
  if (pack_size < kPackHeaderSize + kHashSize || std::memcmp(pack, "PACK", 4) != 0 ||
      GetBe32(pack + 8) != n) {
    return bad("pack and index disagree");
  }
  out->items.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    SourcePack::Item& item = out->items[i];
    std::memcpy(item.id.bytes.data(), p + ids_at + size_t{i} * kHashSize, kHashSize);
    item.crc = GetBe32(p + crc_at + size_t{i} * 4);
    uint32_t off = GetBe32(p + off_at + size_t{i} * 4);
    if (off & 0x80000000u) {
      size_t at = large_at + size_t{off & 0x7fffffffu} * 8;
      if (at + 8 + 2 * kHashSize > size) return bad("truncated index");
      item.offset = (uint64_t{GetBe32(p + at)} << 32) | GetBe32(p + at + 4);
    } else {
      item.offset = off;
    }
    item.keep = true;
  }
  std::sort(
      out->items.begin(), out->items.end(),
      [](const SourcePack::Item& a, const SourcePack::Item& b) { return a.offset < b.offset; });
  uint64_t end = pack_size - kHashSize;
  uint64_t released_from = pack_size;
  for (size_t i = out->items.size(); i-- > 0;) {
    SourcePack::Item& item = out->items[i];
    if (released_from - item.offset > kReleaseChunk) {
      out->pack.Release(item.offset + 4096, released_from);
      released_from = item.offset + 4096;
    }
    if (item.offset < kPackHeaderSize || item.offset >= end) return bad("offset out of range");
    item.length = end - item.offset;
    end = item.offset;
    const unsigned char* e = pack + item.offset;
    int type = (e[0] >> 4) & 7;
    if (type == 0 || type == 5) return bad("unknown entry type");
    uint32_t at = 1;
    while ((e[at - 1] & 0x80) && at < item.length) ++at;
    item.header_length = at;
    item.base_offset = 0;
    if (type == kOfsDelta) {
      uint64_t distance = e[at] & 127;
      while ((e[at] & 0x80) && at + 1 < item.length) {
        ++at;
        distance = ((distance + 1) << 7) | (e[at] & 127);
      }
      ++at;
      if (distance == 0 || distance > item.offset) return bad("bad delta base");
      item.base_offset = item.offset - distance;
    } else if (type == kRefDelta) {
      at += kHashSize;
    }
    if (at >= item.length) return bad("truncated entry");
    item.data_start = at;
  }
  out->pack.Release(0, released_from);
  return OkStatus();
}

}  // namespace

std::string ObjectId::Hex() const {
  static const char kDigits[] = "0123456789abcdef";
  std::string s(40, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = kDigits[bytes[i] >> 4];
    s[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return s;
}

ObjectId HashObject(ObjectType type, std::string_view data) {
  char header[32];
  int n = std::snprintf(header, sizeof(header), "%s %zu", TypeName(type), data.size());
  Sha1& sha = ThreadSha1();
  sha.Reset();
  sha.Update(header, static_cast<size_t>(n) + 1);  // with the NUL
  sha.Update(data);
  return sha.Final();
}

// Trees are mostly 20-byte binary ids: deflating them at level 1 saves about a quarter of their
// size at 20-40 times the cost of storing them (35-85 us against 1-2 us for a 2 KB tree here),
// so whole trees and deltas (already small) are stored in zlib framing without compression.
PackWriter::PackWriter() {
  deflateInit2(&fast_, 1, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY);
  deflateInit2(&store_, 0, Z_DEFLATED, 15, 1, Z_DEFAULT_STRATEGY);
}

PackWriter::~PackWriter() {
  deflateEnd(&fast_);
  deflateEnd(&store_);
}

void PackWriter::Clear() {
  body_.clear();
  entries_.clear();
  ids_.clear();
  trees_.clear();
}

void PackWriter::AppendEntry(const ObjectId& id, int pack_type, std::string_view data,
                             uint64_t base_offset) {
  size_t start = body_.size();
  // Entry header: type and size, 4 bits then 7 bits per byte, little-endian, MSB = more.
  uint64_t size = data.size();
  unsigned char c = static_cast<unsigned char>((pack_type << 4) | (size & 15));
  size >>= 4;
  while (size != 0) {
    body_.push_back(static_cast<char>(c | 0x80));
    c = static_cast<unsigned char>(size & 0x7f);
    size >>= 7;
  }
  body_.push_back(static_cast<char>(c));
  if (pack_type == kOfsDelta) AppendOffset(body_, start - base_offset);
  z_stream& zs = pack_type == static_cast<int>(ObjectType::kBlob) ||
                         pack_type == static_cast<int>(ObjectType::kCommit)
                     ? fast_
                     : store_;
  deflateReset(&zs);
  size_t bound = deflateBound(&zs, static_cast<uLong>(data.size()));
  size_t at = body_.size();
  body_.resize(at + bound);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(body_.data() + at);
  zs.avail_out = static_cast<uInt>(bound);
  deflate(&zs, Z_FINISH);  // the bound guarantees Z_STREAM_END in one call
  body_.resize(at + (bound - zs.avail_out));
  uint32_t crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(body_.data() + start), body_.size() - start));
  entries_.push_back(Entry{id, start, crc});
}

ObjectId PackWriter::Add(ObjectType type, std::string_view data) {
  ObjectId id = HashObject(type, data);
  auto [it, added] = ids_.try_emplace(id, Slot{entries_.size(), 0, -1});
  if (added) AppendEntry(id, static_cast<int>(type), data, 0);
  return id;
}

ObjectId PackWriter::AddTree(std::string_view data, const ObjectId* base) {
  ObjectId id = HashObject(ObjectType::kTree, data);
  auto [it, added] = ids_.try_emplace(id, Slot{entries_.size(), 0, -1});
  if (!added) return id;
  it->second.tree = static_cast<int>(trees_.size());
  trees_.emplace_back(data);
  if (base != nullptr) {
    auto b = ids_.find(*base);
    if (b != ids_.end() && b->second.tree >= 0 && b->second.depth < kMaxDeltaDepth) {
      MakeDelta(trees_[static_cast<size_t>(b->second.tree)], data, delta_);
      if (delta_.size() < data.size() / 2) {
        // `it` may dangle after the find above: look the slot up again.
        ids_[id].depth = b->second.depth + 1;
        AppendEntry(id, kOfsDelta, delta_, entries_[b->second.entry].offset);
        return id;
      }
    }
  }
  AppendEntry(id, static_cast<int>(ObjectType::kTree), data, 0);
  return id;
}

Result<PackInfo> PackWriter::Write(const std::string& pack_dir) const {
  std::string header = PackHeader(static_cast<uint32_t>(entries_.size()));
  Sha1 sha;  // not the thread's: BuildIndex uses that one
  sha.Update(header);
  sha.Update(body_);
  ObjectId checksum = sha.Final();
  PackInfo info;
  info.name = "pack-" + checksum.Hex();
  info.objects = static_cast<uint32_t>(entries_.size());
  info.bytes = header.size() + body_.size() + kHashSize;
  std::string base = pack_dir + "/" + info.name;
  {
    TempFile file(pack_dir);
    if (!file.ok()) return IoError("cannot create a temp file in " + pack_dir);
    GITOPS_RETURN_IF_ERROR(file.Append(header.data(), header.size()));
    GITOPS_RETURN_IF_ERROR(file.Append(body_.data(), body_.size()));
    GITOPS_RETURN_IF_ERROR(file.Append(checksum.bytes.data(), kHashSize));
    GITOPS_RETURN_IF_ERROR(file.Commit(base + ".pack"));
  }
  std::vector<IndexEntry> index;
  index.reserve(entries_.size());
  for (const Entry& e : entries_) index.push_back({e.id, e.offset + kPackHeaderSize, e.crc});
  GITOPS_RETURN_IF_ERROR(WriteWholeFile(pack_dir, base + ".idx", BuildIndex(index, checksum)));
  return info;
}

Result<PackInfo> MergePacks(const std::string& pack_dir, const std::vector<std::string>& names) {
  std::vector<std::unique_ptr<SourcePack>> sources;
  std::unordered_map<ObjectId, uint64_t, ObjectIdHash> kept;  // id -> offset in the new pack
  uint32_t count = 0;
  for (const std::string& name : names) {
    auto source = std::make_unique<SourcePack>();
    GITOPS_RETURN_IF_ERROR(LoadSource(pack_dir, name, source.get()));
    for (SourcePack::Item& item : source->items) {
      item.keep = kept.emplace(item.id, 0).second;
      count += item.keep ? 1 : 0;
    }
    sources.push_back(std::move(source));
  }
  TempFile file(pack_dir);
  if (!file.ok()) return IoError("cannot create a temp file in " + pack_dir);
  Sha1 sha;
  std::string out = PackHeader(count);
  std::vector<IndexEntry> index;
  index.reserve(count);
  uint64_t out_offset = kPackHeaderSize;
  auto flush = [&]() -> Status {
    sha.Update(out);
    GITOPS_RETURN_IF_ERROR(file.Append(out.data(), out.size()));
    out.clear();
    return OkStatus();
  };
  std::string entry;
  for (const auto& source : sources) {
    const unsigned char* base = source->pack.data();
    const auto& items = source->items;
    uint64_t released_to = 0;
    for (const SourcePack::Item& item : items) {
      if (item.offset - released_to > kReleaseChunk) {
        source->pack.Release(released_to, item.offset);
        released_to = item.offset;
      }
      if (!item.keep) continue;
      const char* raw = reinterpret_cast<const char*>(base + item.offset);
      uint32_t crc = item.crc;
      uint64_t length = item.length;
      if (item.base_offset != 0) {
        // Re-point the delta at its base's copy in the new pack (the first copy kept, which
        // always comes earlier), re-encoding the distance.
        auto b = std::lower_bound(
            items.begin(), items.end(), item.base_offset,
            [](const SourcePack::Item& i, uint64_t off) { return i.offset < off; });
        if (b == items.end() || b->offset != item.base_offset) {
          return Unexpected(ErrorCode::kFailedPrecondition,
                            "cannot merge packs: a delta's base is not an entry");
        }
        uint64_t new_base = kept.at(b->id);
        uint64_t old_distance = item.offset - item.base_offset;
        if (out_offset - new_base != old_distance) {
          entry.assign(raw, item.header_length);
          AppendOffset(entry, out_offset - new_base);
          entry.append(raw + item.data_start, item.length - item.data_start);
          crc = static_cast<uint32_t>(
              crc32(0, reinterpret_cast<const Bytef*>(entry.data()), entry.size()));
          raw = entry.data();
          length = entry.size();
        }
      }
      kept[item.id] = out_offset;
      index.push_back({item.id, out_offset, crc});
      out.append(raw, length);
      out_offset += length;
      if (out.size() >= (1u << 20)) GITOPS_RETURN_IF_ERROR(flush());
    }
    source->pack.Release(released_to, source->pack.size());
  }
  GITOPS_RETURN_IF_ERROR(flush());
  ObjectId checksum = sha.Final();
  GITOPS_RETURN_IF_ERROR(file.Append(checksum.bytes.data(), kHashSize));
  PackInfo info;
  info.name = "pack-" + checksum.Hex();
  info.objects = count;
  info.bytes = out_offset + kHashSize;
  std::string final_base = pack_dir + "/" + info.name;
  GITOPS_RETURN_IF_ERROR(file.Commit(final_base + ".pack"));
  GITOPS_RETURN_IF_ERROR(
      WriteWholeFile(pack_dir, final_base + ".idx", BuildIndex(index, checksum)));
  return info;
}

void RemovePack(const std::string& pack_dir, const std::string& name) {
  std::string base = pack_dir + "/" + name;
  unlink((base + ".idx").c_str());
  unlink((base + ".pack").c_str());
}

}  // namespace gitops::git::internal
