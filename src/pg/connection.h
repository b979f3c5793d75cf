// pg::Connection: one PostgreSQL session over raw libpq behind an RAII handle, with
// parameterised queries only and results copied into the small pg::Rows value type. No libpq
// type appears in this header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace gitops::pg {

// A query parameter in text form; std::nullopt is SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

// A query result: column names and rows of text values (NULL kept apart). A plain value, safe
// to copy and to keep after the connection is gone.
class Rows {
 public:
  Rows() = default;
  Rows(std::vector<std::string> columns, std::vector<std::vector<Param>> rows)
      : columns_(std::move(columns)), rows_(std::move(rows)) {}

  size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  const std::vector<std::string>& columns() const { return columns_; }
  // Index of the column `name`, or -1.
  int Column(std::string_view name) const;

  bool IsNull(size_t row, size_t col) const { return !rows_.at(row).at(col).has_value(); }
  // The text of a value; "" for NULL.
  std::string_view Text(size_t row, size_t col) const;
  // The value parsed as a signed integer; kInternal when it is NULL or not an integer.
  Result<int64_t> Int(size_t row, size_t col) const;
  // True for PostgreSQL's boolean "t".
  bool Bool(size_t row, size_t col) const { return Text(row, col) == "t"; }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<Param>> rows_;
};

// Where a connection string points, for messages: "host:port/dbname" (never the password).
std::string DescribeTarget(std::string_view conninfo);

class Connection {
 public:
  // Connects with a libpq conninfo ("host=... dbname=...") or URL ("postgresql://...").
  // kUnavailable naming host:port/db when the server cannot be reached or refuses the login;
  // kInvalidArgument for a malformed string. No message ever contains the password. A
  // connect_timeout of 5 s applies unless the string sets one.
  static Result<std::unique_ptr<Connection>> Open(std::string_view conninfo);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with $1.. parameters bound (never spliced into the SQL text) and
  // returns its rows (empty for commands). Errors: kUnavailable when the connection is lost
  // (the connection is then Broken()), kAlreadyExists for a unique violation, kAborted for a
  // serialization failure or deadlock, kInvalidArgument for bad input data, kInternal else.
  Result<Rows> Exec(std::string_view sql, const Params& params = {});

  // Runs a script of statements without parameters (migrations, BEGIN/COMMIT). Same errors.
  Status ExecScript(std::string_view sql);

  // True once the session is known to be dead (a failed query, or the server closed it).
  // Checks the socket for a pending close without a round trip.
  bool Broken();

  // True inside a transaction block (BEGIN not yet ended), or after an error inside one.
  bool InTransaction() const;
  // True inside a transaction block that an error aborted (only ROLLBACK is accepted).
  bool InFailedTransaction() const;

  // "host:port/dbname" of this session, for messages.
  const std::string& target() const { return target_; }

 private:
  struct Handle;
  Connection(std::unique_ptr<Handle> handle, std::string target);
  Error QueryError(const void* result) const;

  std::unique_ptr<Handle> handle_;
  std::string target_;
};

// A transaction block on one connection: BEGIN on Begin(), ROLLBACK in the destructor unless
// Commit() succeeded. The connection must outlive it and run nothing else meanwhile.
class Transaction {
 public:
  // BEGIN (with `mode`, e.g. "ISOLATION LEVEL SERIALIZABLE", when given).
  static Result<Transaction> Begin(Connection& conn, std::string_view mode = {});
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Result<Rows> Exec(std::string_view sql, const Params& params = {}) {
    return conn_->Exec(sql, params);
  }
  // COMMIT. On failure the transaction is over anyway (PostgreSQL rolled it back).
  Status Commit();
  // ROLLBACK now (the destructor does it otherwise).
  void Rollback();

 private:
  explicit Transaction(Connection& conn) : conn_(&conn) {}
  Connection* conn_;
  bool open_ = true;
};

}  // namespace gitops::pg
