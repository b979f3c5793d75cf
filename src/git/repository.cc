// Repository: the libgit2-backed bare cache (see repository.h). A batch's objects are built in
// memory (TreeCache, PackWriter) and written as one pack; a local remote receives that pack by
// a hard link and its branch moves by compare-and-swap; other remotes get libgit2's push.
#include "git/repository.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "git/libgit2_handles.h"
#include "git/pack_writer.h"
#include "git/remote_url.h"
#include "git/tree_cache.h"

namespace gitops::git {

namespace internal {

void EnsureLibgit2() {
  static const bool initialized = [] {
    git_libgit2_init();
    // Every object we reference was just written or read by us: skip the per-entry existence
    // checks libgit2 does when creating trees and commits (a large share of commit cost).
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
    return true;
  }();
  (void)initialized;
}

std::string LastGitErrorMessage() {
  const git_error* e = git_error_last();
  if (e == nullptr || e->message == nullptr) return "unknown error";
  return e->message;
}

std::string OidToHex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof(hex), &oid);
  return std::string(hex);
}

}  // namespace internal

using namespace internal;  // NOLINT: private helpers of this folder

namespace {

constexpr char kRemoteName[] = "origin";
// Trees held in memory before the cache is dropped (reloaded lazily along changed paths).
constexpr size_t kMaxCachedTrees = 50000;
// Packs of ours a cache may hold before they are merged (libgit2 and git scan every pack).
constexpr size_t kMaxPacks = 8;
// Our packs, one "name objects bytes" line each, in the cache's git directory.
constexpr char kPackStateFile[] = "gitops-packs";

ObjectId ToObjectId(const git_oid& oid) {
  ObjectId id;
  std::memcpy(id.bytes.data(), oid.id, id.bytes.size());
  return id;
}

git_oid ToGitOid(const ObjectId& id) {
  git_oid oid;
  std::memcpy(oid.id, id.bytes.data(), id.bytes.size());
  return oid;
}

// Per-operation state shared with libgit2 callbacks.
struct CallbackState {
  const Credentials* credentials = nullptr;
  int userpass_calls = 0;
  int ssh_calls = 0;
  bool auth_failed = false;
  bool no_credentials = false;
  std::vector<std::pair<std::string, std::string>> rejected;  // refname, status
};

int CredentialsCallback(git_credential** out, const char* /*url*/, const char* user_from_url,
                        unsigned int allowed, void* payload) {
  auto* state = static_cast<CallbackState*>(payload);
  const Credentials& creds = *state->credentials;
  if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
    if (creds.username.empty() && creds.password.empty()) {
      state->no_credentials = true;
      git_error_set_str(GIT_ERROR_NET, "the remote requires credentials and none are configured");
      return GIT_EAUTH;
    }
    // A second call means the server refused the first answer: stop instead of looping.
    if (++state->userpass_calls > 1) {
      state->auth_failed = true;
      git_error_set_str(GIT_ERROR_NET, "the remote refused the username/password");
      return GIT_EAUTH;
    }
    return git_credential_userpass_plaintext_new(out, creds.username.c_str(),
                                                 creds.password.c_str());
  }
  std::string user = !creds.username.empty()                        ? creds.username
                     : (user_from_url != nullptr && *user_from_url) ? user_from_url
                                                                    : "git";
  if (allowed & GIT_CREDENTIAL_USERNAME) return git_credential_username_new(out, user.c_str());
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    if (++state->ssh_calls > 1) {
      state->auth_failed = true;
      git_error_set_str(GIT_ERROR_SSH, "the remote refused the ssh key");
      return GIT_EAUTH;
    }
    if (!creds.ssh_private_key.empty()) {
      return git_credential_ssh_key_new(
          out, user.c_str(), creds.ssh_public_key.empty() ? nullptr : creds.ssh_public_key.c_str(),
          creds.ssh_private_key.c_str(), creds.password.empty() ? nullptr : creds.password.c_str());
    }
    return git_credential_ssh_key_from_agent(out, user.c_str());
  }
  state->no_credentials = true;
  git_error_set_str(GIT_ERROR_NET, "the remote asks for an unsupported kind of credentials");
  return GIT_EAUTH;
}

int PushUpdateReferenceCallback(const char* refname, const char* status, void* payload) {
  if (status != nullptr) {
    static_cast<CallbackState*>(payload)->rejected.emplace_back(refname ? refname : "", status);
  }
  return 0;
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A push status from the server that means "the branch moved": fetch and retry.
bool IsRaceStatus(const std::string& status) {
  std::string s = Lower(status);
  return Contains(s, "non-fast-forward") || Contains(s, "fetch first") ||
         Contains(s, "stale info") || Contains(s, "failed to lock") || Contains(s, "cannot lock") ||
         Contains(s, "failed to update ref");
}

// The filesystem path of a local remote (a plain path or file:// URL), else nullopt.
std::optional<std::string> LocalPath(const std::string& url) {
  if (url.rfind("file://", 0) == 0) return url.substr(7);
  if (url.find("://") != std::string::npos) return std::nullopt;
  // scp-like "host:path" has a colon before any slash.
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
    return std::nullopt;
  }
  return url;
}

// Checks a repository-relative file path: non-empty components, no '.', '..' or ".git".
Status ValidatePath(std::string_view path) {
  auto bad = [&](const char* why) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "invalid path '" + std::string(path) + "': " + why);
  };
  if (path.empty()) return bad("empty");
  if (path.front() == '/') return bad("must be relative");
  if (path.back() == '/') return bad("must name a file");
  if (path.find('\0') != std::string_view::npos) return bad("contains NUL");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty()) return bad("empty component");
    if (part == "." || part == "..") return bad("'.' and '..' are not allowed");
    if (Lower(std::string(part)) == ".git") return bad("'.git' is not allowed");
    start = end + 1;
  }
  return OkStatus();
}

std::string NormalizePrefix(std::string_view prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
  return std::string(prefix);
}

}  // namespace

// Looks up "origin" into `var` or returns its error (used inside Impl methods only).
#define GITOPS_ASSIGN_OR_RETURN_REMOTE(var)                       \
  auto var##_result = LookupRemote();                             \
  if (!var##_result.ok()) return std::move(var##_result).error(); \
  RemotePtr var = std::move(*var##_result)

struct Repository::Impl {
  ~Impl() {
    if (!pending_merge) return;
    // Apply a merge that completed; one that failed (e.g. the directory is being removed)
    // leaves the packs as they are, silently.
    std::vector<std::string> names = std::move(pending_merge->names);
    Result<PackInfo> merged = pending_merge->result.get();
    pending_merge.reset();
    if (merged.ok()) (void)ApplyMerge(names, std::move(merged));
  }

  RepositoryOptions options;
  std::string display_url;
  std::string tracking_ref;  // refs/remotes/origin/<branch>: the remote tip as last seen
  std::string local_ref;     // refs/heads/<branch>: what we push
  RepoPtr repo;
  // The filesystem path of the remote when it is local (a path or file:// URL). When it is a
  // bare repository, it is pushed to by linking packs and a compare-and-swap of the branch
  // instead of libgit2's push.
  std::optional<std::string> local_remote_path;
  RepoPtr remote_repo;     // opened on the first local push
  PackWriter pack_writer;  // objects of the batch being built
  TreeCache tree_cache{[this](const ObjectId& id) { return LoadTree(id); }};
  // tree_cache describes the tree of tree_cache_tip (a published commit) when valid.
  bool tree_cache_valid = false;
  std::optional<git_oid> tree_cache_tip;
  std::vector<PackInfo> packs;  // packs we wrote and published, oldest first
  struct PendingMerge {
    std::vector<std::string> names;
    std::future<Result<PackInfo>> result;
  };
  std::optional<PendingMerge> pending_merge;  // running on its own thread
  std::string commit_scratch;

  Error Fail(ErrorCode code, const std::string& what) const {
    return MakeError(code, Scrub(what, options.credentials.password));
  }

  Error GitFail(ErrorCode code, const std::string& what) const {
    return Fail(code, what + ": " + LastGitErrorMessage());
  }

  // Maps a failed fetch/push to a canonical error that names the remote without credentials.
  Error RemoteError(const char* op, int rc, const CallbackState& state) const {
    std::string lib = LastGitErrorMessage();
    std::string low = Lower(lib);
    std::string where = std::string(op) + " " + display_url + " (branch " + options.branch + ")";
    if (state.no_credentials) {
      return Fail(ErrorCode::kUnauthenticated,
                  where + " failed: the remote requires credentials and none are configured");
    }
    if (rc == GIT_EAUTH || state.auth_failed || Contains(low, "401") ||
        Contains(low, "authentication")) {
      std::string who = options.credentials.username.empty()
                            ? std::string()
                            : " for user '" + options.credentials.username + "'";
      return Fail(ErrorCode::kUnauthenticated,
                  where + " failed: authentication failed" + who + " (check the credentials)");
    }
    if (auto local = LocalPath(options.remote_url); local && !std::filesystem::exists(*local)) {
      return Fail(ErrorCode::kNotFound, where + " failed: no repository there (path missing)");
    }
    if (rc == GIT_ECERTIFICATE) {
      return Fail(ErrorCode::kUnavailable, where + " failed: TLS certificate rejected: " + lib);
    }
    if (Contains(low, "resolve") || Contains(low, "name or service not known") ||
        Contains(low, "no address associated")) {
      return Fail(ErrorCode::kUnavailable, where + " failed: unknown host: " + lib);
    }
    if (Contains(low, "could not find repository") || Contains(low, "not a git repository") ||
        Contains(low, "does not appear to be a git repository") || Contains(low, "404") ||
        Contains(low, "not found") || Contains(low, "not exported") ||
        Contains(low, "does not exist")) {
      return Fail(ErrorCode::kNotFound, where + " failed: no repository there: " + lib);
    }
    if (Contains(low, "403")) {
      return Fail(ErrorCode::kPermissionDenied, where + " failed: access denied: " + lib);
    }
    const git_error* e = git_error_last();
    int klass = e != nullptr ? e->klass : GIT_ERROR_NONE;
    if (klass == GIT_ERROR_NET || klass == GIT_ERROR_OS || klass == GIT_ERROR_SSL ||
        klass == GIT_ERROR_SSH || klass == GIT_ERROR_HTTP || Contains(low, "connect") ||
        Contains(low, "timed out") || Contains(low, "unreachable") || Contains(low, "reset")) {
      return Fail(ErrorCode::kUnavailable, where + " failed: remote unreachable: " + lib);
    }
    return Fail(ErrorCode::kFailedPrecondition, where + " failed: " + lib);
  }

  // Applies options.delta_compression to the cache's packs (and so to what it pushes).
  // libgit2 1.5 reads "pack.deltaCacheSize" both as the delta cache size and as the size above
  // which objects are never deltified; 1 turns delta search off. Later libgit2 versions only
  // shrink the delta cache with it, which is harmless.
  Status ConfigurePacking() {
    git_config* config = nullptr;
    if (git_repository_config(&config, repo.get()) < 0) {
      return GitFail(ErrorCode::kInternal, "cannot open config of cache " + options.cache_dir);
    }
    GitPtr<git_config, git_config_free> owned(config);
    int rc = options.delta_compression ? git_config_delete_entry(config, "pack.deltaCacheSize")
                                       : git_config_set_int64(config, "pack.deltaCacheSize", 1);
    if (rc < 0 && rc != GIT_ENOTFOUND) {
      return GitFail(ErrorCode::kInternal, "cannot configure packing of " + options.cache_dir);
    }
    return OkStatus();
  }

  Result<RemotePtr> LookupRemote() const {
    git_remote* remote = nullptr;
    if (git_remote_lookup(&remote, repo.get(), kRemoteName) < 0) {
      return GitFail(ErrorCode::kInternal, "cannot load remote of cache " + options.cache_dir);
    }
    return RemotePtr(remote);
  }

  Result<std::optional<git_oid>> TrackingTip() const {
    git_oid oid;
    int rc = git_reference_name_to_id(&oid, repo.get(), tracking_ref.c_str());
    if (rc == GIT_ENOTFOUND) return std::optional<git_oid>();
    if (rc < 0) return GitFail(ErrorCode::kInternal, "cannot read " + tracking_ref);
    return std::optional<git_oid>(oid);
  }

  Status SetRef(const std::string& name, const git_oid& oid) const {
    git_reference* ref = nullptr;
    if (git_reference_create(&ref, repo.get(), name.c_str(), &oid, 1, nullptr) < 0) {
      return GitFail(ErrorCode::kInternal, "cannot update " + name);
    }
    git_reference_free(ref);
    return OkStatus();
  }

  Status FetchBranch() {
    GITOPS_ASSIGN_OR_RETURN_REMOTE(remote);
    CallbackState state;
    state.credentials = &options.credentials;
    git_fetch_options fetch_opts = GIT_FETCH_OPTIONS_INIT;
    fetch_opts.callbacks.credentials = CredentialsCallback;
    fetch_opts.callbacks.payload = &state;
    fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fetch_opts.update_fetchhead = 0;
    std::string spec = "+refs/heads/" + options.branch + ":" + tracking_ref;
    char* specs[] = {spec.data()};
    git_strarray refspecs = {specs, 1};
    git_error_clear();
    int rc = git_remote_fetch(remote.get(), &refspecs, &fetch_opts, nullptr);
    if (rc < 0) return RemoteError("fetch from", rc, state);
    // A branch deleted on the remote must not linger as our base.
    const git_remote_head** heads = nullptr;
    size_t count = 0;
    bool present = false;
    std::string wanted = "refs/heads/" + options.branch;
    if (git_remote_ls(&heads, &count, remote.get()) == 0) {
      for (size_t i = 0; i < count; ++i) present |= wanted == heads[i]->name;
      if (!present) {
        git_reference* ref = nullptr;
        if (git_reference_lookup(&ref, repo.get(), tracking_ref.c_str()) == 0) {
          git_reference_delete(ref);
          git_reference_free(ref);
        }
      }
    }
    return OkStatus();
  }

  // ---- Batch building: objects go straight into pack_writer, trees come from tree_cache. ----

  std::string PackDir() const {
    return std::string(git_repository_path(repo.get())) + "objects/pack";
  }

  // The root tree id of commit `commit`.
  Result<ObjectId> CommitTreeId(const git_oid& commit_id) const {
    git_commit* commit = nullptr;
    if (git_commit_lookup(&commit, repo.get(), &commit_id) < 0) {
      return GitFail(ErrorCode::kInternal, "cannot read tip commit");
    }
    CommitPtr owned(commit);
    return ToObjectId(*git_commit_tree_id(commit));
  }

  Result<std::vector<TreeEntryData>> LoadTree(const ObjectId& id) const {
    git_oid oid = ToGitOid(id);
    git_tree* tree = nullptr;
    if (git_tree_lookup(&tree, repo.get(), &oid) < 0) {
      return GitFail(ErrorCode::kInternal, "cannot read tree " + id.Hex());
    }
    TreePtr owned(tree);
    std::vector<TreeEntryData> entries;
    size_t count = git_tree_entrycount(tree);
    entries.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      const git_tree_entry* e = git_tree_entry_byindex(tree, i);
      entries.push_back(TreeEntryData{git_tree_entry_name(e),
                                      static_cast<uint32_t>(git_tree_entry_filemode_raw(e)),
                                      ToObjectId(*git_tree_entry_id(e))});
    }
    return entries;
  }

  // Builds one commit on `parent` (nullopt: root commit) from tree_cache's current state.
  Result<git_oid> BuildCommit(const CommitSpec& spec, const std::optional<git_oid>& parent) {
    if (spec.message.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "commit message must not be empty");
    }
    for (const FileChange& change : spec.changes) GITOPS_RETURN_IF_ERROR(ValidatePath(change.path));
    // Applied in order, so the last change of a path wins.
    for (const FileChange& change : spec.changes) {
      if (change.content.has_value()) {
        ObjectId blob = pack_writer.Add(ObjectType::kBlob, *change.content);
        GITOPS_RETURN_IF_ERROR(tree_cache.Upsert(change.path, blob));
      } else {
        GITOPS_RETURN_IF_ERROR(tree_cache.Remove(change.path));
      }
    }
    ObjectId tree_id = tree_cache.WriteTrees(pack_writer);

    // git_signature_new validates and trims the identity as libgit2's commit creation did.
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(spec.time.time_since_epoch());
    git_signature* sig = nullptr;
    const std::string& name = spec.author_name.empty() ? "gitops-api" : spec.author_name;
    const std::string& email =
        spec.author_email.empty() ? "gitops-api@localhost" : spec.author_email;
    if (git_signature_new(&sig, name.c_str(), email.c_str(), seconds.count(), 0) < 0) {
      return GitFail(ErrorCode::kInvalidArgument, "invalid author");
    }
    SignaturePtr owned_sig(sig);
    std::string& body = commit_scratch;
    body.clear();
    body += "tree ";
    body += tree_id.Hex();
    body += '\n';
    if (parent) {
      body += "parent ";
      body += OidToHex(*parent);
      body += '\n';
    }
    std::string ident = std::string(sig->name) + " <" + sig->email + "> " +
                        std::to_string(static_cast<long long>(sig->when.time)) + " +0000\n";
    body += "author ";
    body += ident;
    body += "committer ";
    body += ident;
    body += '\n';
    body += spec.message;
    return ToGitOid(pack_writer.Add(ObjectType::kCommit, body));
  }

  // Builds the batch on the cached remote tip into pack_writer. On error nothing is kept.
  Result<std::vector<git_oid>> BuildBatch(const std::vector<CommitSpec>& commits) {
    pack_writer.Clear();
    auto tip = TrackingTip();
    if (!tip.ok()) return std::move(tip).error();
    std::optional<git_oid> parent = *tip;
    bool cache_matches = tree_cache_tip.has_value() == parent.has_value() &&
                         (!parent || git_oid_equal(&*tree_cache_tip, &*parent));
    if (!tree_cache_valid || !cache_matches) {
      std::optional<ObjectId> root;
      if (parent) {
        auto tree_id = CommitTreeId(*parent);
        if (!tree_id.ok()) return std::move(tree_id).error();
        root = *tree_id;
      }
      tree_cache.Reset(root);
    }
    tree_cache_valid = false;  // until the batch is on the remote
    std::vector<git_oid> ids;
    ids.reserve(commits.size());
    for (const CommitSpec& spec : commits) {
      auto id = BuildCommit(spec, parent);
      if (!id.ok()) {
        pack_writer.Clear();
        return std::move(id).error();
      }
      ids.push_back(*id);
      parent = *id;
    }
    return ids;
  }

  // The batch's pack was published: the tree cache now describes `tip`.
  void BatchLanded(const git_oid& tip) {
    pack_writer.Clear();
    tree_cache_tip = tip;
    tree_cache_valid = true;
    if (tree_cache.node_count() > kMaxCachedTrees) tree_cache_valid = false;  // reload lazily
  }

  // ---- Packs of this cache (written by PackWriter): kept few by geometric merging. ----

  std::string PackStatePath() const {
    return std::string(git_repository_path(repo.get())) + kPackStateFile;
  }

  // Reads the list of our packs, dropping those no longer on disk (e.g. after a git gc).
  void LoadPackState() {
    packs.clear();
    std::ifstream in(PackStatePath());
    std::string dir = PackDir();
    PackInfo info;
    while (in >> info.name >> info.objects >> info.bytes) {
      std::error_code ec;
      if (std::filesystem::exists(dir + "/" + info.name + ".pack", ec) &&
          std::filesystem::exists(dir + "/" + info.name + ".idx", ec)) {
        packs.push_back(info);
      }
    }
  }

  // Records one more pack (appending: no new file per batch).
  Status AppendPackState(const PackInfo& p) const {
    std::ofstream out(PackStatePath(), std::ios::app);
    out << p.name << ' ' << p.objects << ' ' << p.bytes << '\n';
    out.flush();
    if (!out) return Fail(ErrorCode::kInternal, "cannot write " + PackStatePath());
    return OkStatus();
  }

  // Rewrites the list of our packs.
  Status SavePackState() const {
    std::string path = PackStatePath();
    std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      for (const PackInfo& p : packs) out << p.name << ' ' << p.objects << ' ' << p.bytes << '\n';
      if (!out) return Fail(ErrorCode::kInternal, "cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      return Fail(ErrorCode::kInternal, "cannot write " + path);
    }
    return OkStatus();
  }

  // Geometric merging (factor 2) once there are more than kMaxPacks: the newest packs whose
  // total is not at least half of the next older one are merged into one, so a cache of N
  // batches holds O(log N) packs and each object is copied O(log N) times over its life. Merged
  // packs are raw copies of the entries (no recompression). With background_pack_merges the
  // copy runs on its own thread (it touches only files, never libgit2) and is applied by a
  // later publish; publishing waits for it only when 2 * kMaxPacks packs have piled up.
  Status MaybeMergePacks() {
    if (pending_merge) {
      bool ready =
          pending_merge->result.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
      if (!ready && packs.size() <= 2 * kMaxPacks) return OkStatus();
      GITOPS_RETURN_IF_ERROR(FinishMerge());
    }
    if (packs.size() <= kMaxPacks) return OkStatus();
    size_t first = packs.size() - 1;
    uint64_t total = packs.back().bytes;
    while (first > 0 && packs[first - 1].bytes < 2 * total) total += packs[--first].bytes;
    if (packs.size() - first < 2) first = packs.size() - 2;  // already geometric: last two
    std::vector<std::string> names;
    for (size_t i = first; i < packs.size(); ++i) names.push_back(packs[i].name);
    std::string dir = PackDir();
    if (!options.background_pack_merges) return ApplyMerge(names, MergePacks(dir, names));
    pending_merge.emplace();
    pending_merge->names = names;
    pending_merge->result =
        std::async(std::launch::async, [dir, names] { return MergePacks(dir, names); });
    return OkStatus();
  }

  // Waits for the pending merge and applies it.
  Status FinishMerge() {
    std::vector<std::string> names = std::move(pending_merge->names);
    Result<PackInfo> merged = pending_merge->result.get();
    pending_merge.reset();
    return ApplyMerge(names, std::move(merged));
  }

  // Replaces the packs `names` by `merged` in the cache and, when the remote is local and holds
  // the same packs (we linked them there), in the remote too.
  Status ApplyMerge(const std::vector<std::string>& names, Result<PackInfo> merged) {
    auto at = std::find_if(packs.begin(), packs.end(),
                           [&](const PackInfo& p) { return p.name == names.front(); });
    size_t position = static_cast<size_t>(at - packs.begin());
    packs.erase(std::remove_if(packs.begin(), packs.end(),
                               [&](const PackInfo& p) {
                                 return std::find(names.begin(), names.end(), p.name) !=
                                        names.end();
                               }),
                packs.end());
    if (!merged.ok()) {
      // Not fatal: the packs stay as they are; forget them so we do not retry every batch.
      spdlog::warn("git: cache {}: merging packs failed: {}", options.cache_dir,
                   merged.error().message);
      return SavePackState();
    }
    std::string dir = PackDir();
    if (remote_repo != nullptr) {
      std::string remote_dir = std::string(git_repository_path(remote_repo.get())) + "objects/pack";
      bool all_there = true;
      std::error_code ec;
      for (const std::string& name : names) {
        all_there &= std::filesystem::exists(remote_dir + "/" + name + ".idx", ec);
      }
      if (all_there && PlacePack(dir, remote_dir, merged->name, nullptr).ok()) {
        for (const std::string& name : names) {
          if (name != merged->name) RemovePack(remote_dir, name);
        }
      }
    }
    for (const std::string& name : names) {
      if (name != merged->name) RemovePack(dir, name);
    }
    packs.insert(packs.begin() + static_cast<std::ptrdiff_t>(std::min(position, packs.size())),
                 *merged);
    GITOPS_RETURN_IF_ERROR(SavePackState());
    // libgit2 keeps handles on the packs it has seen: reopen so it forgets the removed ones.
    return ReopenCache();
  }

  Status ReopenCache() {
    std::string path = git_repository_path(repo.get());
    git_repository* reopened = nullptr;
    if (git_repository_open_bare(&reopened, path.c_str()) < 0) {
      return GitFail(ErrorCode::kInternal, "cannot reopen cache " + options.cache_dir);
    }
    repo.reset(reopened);
    return OkStatus();
  }

  // ---- Push to a local remote: link the pack in, then compare-and-swap the branch. ----

  // Hard-links (or copies, across filesystems) <from>/<name>.{pack,idx} into `to`, the pack
  // first. *created (optional) tells whether the files were new there.
  Status PlacePack(const std::string& from, const std::string& to, const std::string& name,
                   bool* created) {
    if (created != nullptr) *created = false;
    std::error_code ec;
    if (std::filesystem::exists(to + "/" + name + ".idx", ec)) return OkStatus();
    for (const char* ext : {".pack", ".idx"}) {
      std::string src = from + "/" + name + ext;
      std::string dst = to + "/" + name + ext;
      if (link(src.c_str(), dst.c_str()) == 0 || errno == EEXIST) continue;
      std::string tmp = to + "/tmp_pack_copy_" + name + ext;
      std::filesystem::copy_file(src, tmp, std::filesystem::copy_options::overwrite_existing, ec);
      if (ec || std::rename(tmp.c_str(), dst.c_str()) != 0) {
        std::filesystem::remove(tmp, ec);
        RemovePack(to, name);
        return Fail(ErrorCode::kInternal, "cannot copy pack " + name + " into " + to);
      }
    }
    if (created != nullptr) *created = true;
    return OkStatus();
  }

  // Opens the local remote (once) when it is a bare repository. False otherwise (missing, not
  // a repository, a working tree): such a remote gets libgit2's push and its errors.
  bool OpenLocalRemote() {
    if (remote_repo != nullptr) return true;
    if (!local_remote_path) return false;
    git_repository* r = nullptr;
    if (git_repository_open_ext(&r, local_remote_path->c_str(),
                                GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
                                nullptr) < 0) {
      git_error_clear();
      return false;
    }
    RepoPtr owned(r);
    if (!git_repository_is_bare(r)) return false;
    remote_repo = std::move(owned);
    return true;
  }

  // Publishes the cache's pack `pack` to the local remote and moves its branch from
  // `expected` (the tip the batch was built on; nullopt: no branch yet) to `tip`. Sets *race
  // when the branch moved meanwhile (the pack is then taken out of the remote again).
  Status PushLocal(const PackInfo& pack, const std::optional<git_oid>& expected, const git_oid& tip,
                   bool* race) {
    *race = false;
    std::string remote_dir = std::string(git_repository_path(remote_repo.get())) + "objects/pack";
    std::error_code ec;
    std::filesystem::create_directories(remote_dir, ec);
    bool created = false;
    GITOPS_RETURN_IF_ERROR(PlacePack(PackDir(), remote_dir, pack.name, &created));
    git_reference* ref = nullptr;
    git_error_clear();
    int rc = expected ? git_reference_create_matching(&ref, remote_repo.get(), local_ref.c_str(),
                                                      &tip, 1, &*expected, "push")
                      : git_reference_create(&ref, remote_repo.get(), local_ref.c_str(), &tip, 0,
                                             "push");
    git_reference_free(ref);
    if (rc == 0) return OkStatus();
    std::string why = LastGitErrorMessage();
    if (created) RemovePack(remote_dir, pack.name);
    if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED || rc == GIT_ENOTFOUND) {
      *race = true;
      return Fail(ErrorCode::kAborted, "push to " + display_url + " rejected: the branch " +
                                           options.branch + " moved (" + why + ")");
    }
    return Fail(ErrorCode::kFailedPrecondition,
                "push to " + display_url + " (branch " + options.branch + ") failed: " + why);
  }

  // One publish attempt on the cached remote tip: build, write the pack, push. On a race the
  // pack is removed again and *race set.
  Result<std::vector<git_oid>> PublishOnce(const std::vector<CommitSpec>& commits,
                                           const PublishOptions& publish, bool* race) {
    *race = false;
    auto tip = TrackingTip();
    if (!tip.ok()) return std::move(tip).error();
    auto ids = BuildBatch(commits);
    if (!ids.ok()) return std::move(ids).error();
    std::string dir = PackDir();
    auto pack = pack_writer.Write(dir);
    pack_writer.Clear();
    if (!pack.ok()) {
      return Fail(ErrorCode::kInternal,
                  "cannot write pack in cache " + options.cache_dir + ": " + pack.error().message);
    }
    if (publish.before_push) {
      Status allowed = publish.before_push();
      if (!allowed.ok()) {
        RemovePack(dir, pack->name);
        return std::move(allowed).error();
      }
    }
    Status pushed;
    bool local = OpenLocalRemote();
    if (local) {
      pushed = PushLocal(*pack, *tip, ids->back(), race);
      if (!pushed.ok()) RemovePack(dir, pack->name);
    } else {
      // Network transports: libgit2 packs what the remote lacks from refs/heads/<branch>.
      GITOPS_RETURN_IF_ERROR(SetRef(local_ref, ids->back()));
      pushed = Push(race);
    }
    if (!pushed.ok()) return std::move(pushed).error();
    GITOPS_RETURN_IF_ERROR(SetRef(tracking_ref, ids->back()));
    if (local) GITOPS_RETURN_IF_ERROR(SetRef(local_ref, ids->back()));
    BatchLanded(ids->back());
    packs.push_back(*pack);
    // The batch is on the remote: failing to tidy packs up must not fail it.
    Status saved = AppendPackState(*pack);
    Status merged = saved.ok() ? MaybeMergePacks() : OkStatus();
    if (!merged.ok() || !saved.ok()) {
      spdlog::warn("git: cache {}: packs not consolidated: {}", options.cache_dir,
                   !merged.ok() ? merged.error().message : saved.error().message);
    }
    return ids;
  }

  // Pushes local_ref. Sets *race when the remote moved (retry after a fetch).
  Status Push(bool* race) {
    *race = false;
    GITOPS_ASSIGN_OR_RETURN_REMOTE(remote);
    CallbackState state;
    state.credentials = &options.credentials;
    git_push_options push_opts = GIT_PUSH_OPTIONS_INIT;
    push_opts.callbacks.credentials = CredentialsCallback;
    push_opts.callbacks.push_update_reference = PushUpdateReferenceCallback;
    push_opts.callbacks.payload = &state;
    std::string spec = local_ref + ":" + local_ref;
    char* specs[] = {spec.data()};
    git_strarray refspecs = {specs, 1};
    git_error_clear();
    int rc = git_remote_push(remote.get(), &refspecs, &push_opts);
    if (rc == GIT_ENONFASTFORWARD) {
      *race = true;
      return Fail(ErrorCode::kAborted,
                  "push to " + display_url + " rejected: " + LastGitErrorMessage());
    }
    if (rc < 0) return RemoteError("push to", rc, state);
    // The server may accept the connection yet refuse the update: always check the callback.
    for (const auto& [ref, status] : state.rejected) {
      if (IsRaceStatus(status)) {
        *race = true;
        return Fail(ErrorCode::kAborted,
                    "push to " + display_url + " rejected " + ref + ": " + status);
      }
      return Fail(ErrorCode::kFailedPrecondition, "push to " + display_url + " (branch " +
                                                      options.branch + ") refused for " + ref +
                                                      ": " + status);
    }
    return OkStatus();
  }
};

#undef GITOPS_ASSIGN_OR_RETURN_REMOTE

Repository::Repository(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Repository::~Repository() = default;

const std::string& Repository::branch() const { return impl_->options.branch; }
const std::string& Repository::display_url() const { return impl_->display_url; }

namespace {

bool IsBareRepository(const std::string& path) {
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(),
                              GIT_REPOSITORY_OPEN_NO_SEARCH | GIT_REPOSITORY_OPEN_BARE,
                              nullptr) < 0) {
    return false;
  }
  RepoPtr owned(repo);
  return git_repository_is_bare(repo) != 0;
}

bool IsMissingOrEmptyDir(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return true;
  return std::filesystem::is_directory(path, ec) && std::filesystem::is_empty(path, ec);
}

Status InitBare(const std::string& path, const std::string& branch, RepoPtr* out) {
  git_repository_init_options init = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  init.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
  std::string head = "refs/heads/" + branch;
  init.initial_head = head.c_str();
  git_repository* repo = nullptr;
  if (git_repository_init_ext(&repo, path.c_str(), &init) < 0) {
    return Unexpected(ErrorCode::kInternal,
                      "cannot create bare repository at " + path + ": " + LastGitErrorMessage());
  }
  if (out != nullptr) {
    out->reset(repo);
  } else {
    git_repository_free(repo);
  }
  return OkStatus();
}

Status ValidateBranch(const std::string& branch) {
  std::string ref = "refs/heads/" + branch;
  int valid = 0;
  if (branch.empty() || git_reference_name_is_valid(&valid, ref.c_str()) < 0 || !valid) {
    return Unexpected(ErrorCode::kInvalidArgument, "invalid branch name '" + branch + "'");
  }
  return OkStatus();
}

}  // namespace

Status CreateBareRepository(const std::string& path, const std::string& branch) {
  EnsureLibgit2();
  GITOPS_RETURN_IF_ERROR(ValidateBranch(branch));
  if (path.empty()) return Unexpected(ErrorCode::kInvalidArgument, "empty repository path");
  if (IsBareRepository(path)) return OkStatus();
  if (!IsMissingOrEmptyDir(path)) {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      path + " exists and is not an empty directory or a bare repository");
  }
  return InitBare(path, branch, nullptr);
}

Result<std::unique_ptr<Repository>> Repository::Open(RepositoryOptions options) {
  EnsureLibgit2();
  if (options.cache_dir.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "empty cache directory");
  }
  if (options.remote_url.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "empty remote URL");
  GITOPS_RETURN_IF_ERROR(ValidateBranch(options.branch));

  auto impl = std::make_unique<Impl>();
  SplitUrl split = SplitUserInfo(options.remote_url);
  options.remote_url = split.url;
  if (options.credentials.username.empty()) options.credentials.username = split.username;
  if (options.credentials.password.empty()) options.credentials.password = split.password;
  impl->display_url = split.url;
  impl->tracking_ref = std::string("refs/remotes/") + kRemoteName + "/" + options.branch;
  impl->local_ref = "refs/heads/" + options.branch;
  impl->options = std::move(options);
  const RepositoryOptions& opts = impl->options;

  if (IsBareRepository(opts.cache_dir)) {
    git_repository* repo = nullptr;
    if (git_repository_open_bare(&repo, opts.cache_dir.c_str()) < 0) {
      return impl->GitFail(ErrorCode::kInternal, "cannot open cache " + opts.cache_dir);
    }
    impl->repo.reset(repo);
  } else if (IsMissingOrEmptyDir(opts.cache_dir)) {
    GITOPS_RETURN_IF_ERROR(InitBare(opts.cache_dir, opts.branch, &impl->repo));
  } else {
    return Unexpected(ErrorCode::kFailedPrecondition,
                      "cache directory " + opts.cache_dir + " exists and is not a bare repository");
  }

  // Point "origin" at the URL (without credentials).
  git_remote* remote = nullptr;
  int rc = git_remote_lookup(&remote, impl->repo.get(), kRemoteName);
  if (rc == GIT_ENOTFOUND) {
    std::string fetchspec = "+refs/heads/" + opts.branch + ":" + impl->tracking_ref;
    rc = git_remote_create_with_fetchspec(&remote, impl->repo.get(), kRemoteName,
                                          opts.remote_url.c_str(), fetchspec.c_str());
  } else if (rc == 0 && std::strcmp(git_remote_url(remote), opts.remote_url.c_str()) != 0) {
    rc = git_remote_set_url(impl->repo.get(), kRemoteName, opts.remote_url.c_str());
  }
  RemotePtr owned_remote(remote);
  if (rc < 0) return impl->GitFail(ErrorCode::kInternal, "cannot configure remote");

  GITOPS_RETURN_IF_ERROR(impl->ConfigurePacking());
  if (auto local = LocalPath(opts.remote_url)) impl->local_remote_path = *local;
  impl->LoadPackState();
  return std::unique_ptr<Repository>(new Repository(std::move(impl)));
}

Status Repository::Fetch() { return impl_->FetchBranch(); }

Result<PublishResult> Repository::Publish(const std::vector<CommitSpec>& commits,
                                          const PublishOptions& options) {
  PublishResult result;
  if (commits.empty()) return result;
  int max_attempts = std::max(1, options.max_attempts);
  std::chrono::milliseconds backoff = options.initial_backoff;
  Error last_rejection;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (attempt > 1) {
      if (options.sleep) {
        options.sleep(backoff);
      } else {
        std::this_thread::sleep_for(backoff);
      }
      backoff = std::min(backoff * 2, options.max_backoff);
    }
    if (attempt > 1 || !options.cache_is_current) GITOPS_RETURN_IF_ERROR(impl_->FetchBranch());
    result.attempts = attempt;
    bool race = false;
    auto ids = impl_->PublishOnce(commits, options, &race);
    if (ids.ok()) {
      for (const git_oid& id : *ids) result.commit_ids.push_back(OidToHex(id));
      return result;
    }
    if (!race) return std::move(ids).error();
    last_rejection = std::move(ids).error();
  }
  return impl_->Fail(ErrorCode::kAborted,
                     "push to " + impl_->display_url + " (branch " + impl_->options.branch +
                         ") rejected " + std::to_string(max_attempts) +
                         " times because the remote kept moving; last: " + last_rejection.message);
}

Result<std::optional<std::string>> Repository::TipCommitId() {
  auto tip = impl_->TrackingTip();
  if (!tip.ok()) return std::move(tip).error();
  if (!*tip) return std::optional<std::string>();
  return std::optional<std::string>(OidToHex(**tip));
}

Result<std::optional<std::string>> Repository::FindCommitWithTrailer(std::string_view key,
                                                                     std::string_view value,
                                                                     int max_commits) {
  auto tip = impl_->TrackingTip();
  if (!tip.ok()) return std::move(tip).error();
  if (!*tip) return std::optional<std::string>();
  git_revwalk* walk = nullptr;
  if (git_revwalk_new(&walk, impl_->repo.get()) < 0) {
    return impl_->GitFail(ErrorCode::kInternal, "cannot walk history");
  }
  RevwalkPtr owned_walk(walk);
  git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
  if (git_revwalk_push(walk, &**tip) < 0) {
    return impl_->GitFail(ErrorCode::kInternal, "cannot walk history");
  }
  std::string needle = std::string(key) + ": " + std::string(value);
  git_oid oid;
  for (int seen = 0; seen < max_commits && git_revwalk_next(&oid, walk) == 0; ++seen) {
    git_commit* commit = nullptr;
    if (git_commit_lookup(&commit, impl_->repo.get(), &oid) < 0) {
      return impl_->GitFail(ErrorCode::kInternal, "cannot read commit " + OidToHex(oid));
    }
    CommitPtr owned(commit);
    const char* message = git_commit_message(commit);
    if (message == nullptr || std::strstr(message, needle.c_str()) == nullptr) continue;
    git_message_trailer_array trailers{};
    if (git_message_trailers(&trailers, message) < 0) continue;
    bool found = false;
    for (size_t i = 0; i < trailers.count && !found; ++i) {
      found = key == trailers.trailers[i].key && value == trailers.trailers[i].value;
    }
    git_message_trailer_array_free(&trailers);
    if (found) return std::optional<std::string>(OidToHex(oid));
  }
  return std::optional<std::string>();
}

namespace {

// The tree at the tip of `ref`, or null when the branch does not exist.
Result<TreePtr> TipTree(git_repository* repo, const std::optional<git_oid>& tip) {
  if (!tip) return TreePtr();
  git_commit* commit = nullptr;
  if (git_commit_lookup(&commit, repo, &*tip) < 0) {
    return Unexpected(ErrorCode::kInternal, "cannot read tip commit: " + LastGitErrorMessage());
  }
  CommitPtr owned(commit);
  git_tree* tree = nullptr;
  if (git_commit_tree(&tree, commit) < 0) {
    return Unexpected(ErrorCode::kInternal, "cannot read tip tree: " + LastGitErrorMessage());
  }
  return TreePtr(tree);
}

struct WalkState {
  git_repository* repo;
  std::string root;  // prefix + "/" or ""
  bool with_content;
  std::vector<FileEntry>* out;
  int error = 0;
};

int CollectBlob(const char* dir, const git_tree_entry* entry, void* payload) {
  auto* state = static_cast<WalkState*>(payload);
  if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) return 0;
  FileEntry file;
  file.path = state->root + dir + git_tree_entry_name(entry);
  file.blob_id = OidToHex(*git_tree_entry_id(entry));
  if (state->with_content) {
    git_blob* blob = nullptr;
    if (git_blob_lookup(&blob, state->repo, git_tree_entry_id(entry)) < 0) {
      state->error = -1;
      return -1;
    }
    BlobPtr owned(blob);
    file.content.assign(static_cast<const char*>(git_blob_rawcontent(blob)),
                        static_cast<size_t>(git_blob_rawsize(blob)));
  }
  state->out->push_back(std::move(file));
  return 0;
}

}  // namespace

Result<std::string> Repository::ReadFile(std::string_view path) {
  GITOPS_RETURN_IF_ERROR(ValidatePath(path));
  auto tip = impl_->TrackingTip();
  if (!tip.ok()) return std::move(tip).error();
  auto tree = TipTree(impl_->repo.get(), *tip);
  if (!tree.ok()) return std::move(tree).error();
  std::string where = "'" + std::string(path) + "' on branch " + impl_->options.branch + " of " +
                      impl_->display_url;
  if (*tree == nullptr) return Unexpected(ErrorCode::kNotFound, where + " not found (no branch)");
  std::string p(path);
  git_tree_entry* entry = nullptr;
  int rc = git_tree_entry_bypath(&entry, tree->get(), p.c_str());
  if (rc == GIT_ENOTFOUND) return Unexpected(ErrorCode::kNotFound, where + " not found");
  if (rc < 0) return impl_->GitFail(ErrorCode::kInternal, "cannot look up " + where);
  TreeEntryPtr owned_entry(entry);
  if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
    return Unexpected(ErrorCode::kFailedPrecondition, where + " is a directory");
  }
  git_blob* blob = nullptr;
  if (git_blob_lookup(&blob, impl_->repo.get(), git_tree_entry_id(entry)) < 0) {
    return impl_->GitFail(ErrorCode::kInternal, "cannot read " + where);
  }
  BlobPtr owned_blob(blob);
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob)),
                     static_cast<size_t>(git_blob_rawsize(blob)));
}

Result<std::vector<FileEntry>> Repository::ListFiles(std::string_view prefix, bool with_content) {
  std::vector<FileEntry> files;
  std::string root = NormalizePrefix(prefix);
  auto tip = impl_->TrackingTip();
  if (!tip.ok()) return std::move(tip).error();
  auto tip_tree = TipTree(impl_->repo.get(), *tip);
  if (!tip_tree.ok()) return std::move(tip_tree).error();
  if (*tip_tree == nullptr) return files;
  TreePtr subtree;
  git_tree* start = tip_tree->get();
  if (!root.empty()) {
    git_tree_entry* entry = nullptr;
    int rc = git_tree_entry_bypath(&entry, start, root.c_str());
    if (rc == GIT_ENOTFOUND) return files;
    if (rc < 0) return impl_->GitFail(ErrorCode::kInternal, "cannot look up " + root);
    TreeEntryPtr owned(entry);
    if (git_tree_entry_type(entry) != GIT_OBJECT_TREE) return files;
    git_tree* t = nullptr;
    if (git_tree_lookup(&t, impl_->repo.get(), git_tree_entry_id(entry)) < 0) {
      return impl_->GitFail(ErrorCode::kInternal, "cannot read " + root);
    }
    subtree.reset(t);
    start = t;
    root += "/";
  }
  WalkState state{impl_->repo.get(), root, with_content, &files};
  if (git_tree_walk(start, GIT_TREEWALK_PRE, CollectBlob, &state) < 0) {
    return impl_->GitFail(ErrorCode::kInternal, "cannot list files under '" + root + "'");
  }
  std::sort(files.begin(), files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return files;
}

Result<std::vector<FileEntry>> FetchFiles(RepositoryOptions options, std::string_view prefix) {
  auto repo = Repository::Open(std::move(options));
  if (!repo.ok()) return std::move(repo).error();
  GITOPS_RETURN_IF_ERROR((*repo)->Fetch());
  return (*repo)->ListFiles(prefix, true);
}

}  // namespace gitops::git
