// pg::Connection over libpq: connect, parameterised queries, SQLSTATE -> ErrorCode, and the
// cheap liveness check the pool relies on.
#include "pg/connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <utility>

namespace gitops::pg {
namespace {

struct ConninfoFields {
  std::string host, port, dbname, user, password;
  bool has_connect_timeout = false;
};

// Parses `conninfo` with libpq's own parser (URL or key=value). nullopt when malformed: the
// parser's message is dropped on purpose, as it may quote the password.
std::optional<ConninfoFields> ParseConninfo(std::string_view conninfo) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(conninfo).c_str(), &err);
  if (err != nullptr) PQfreemem(err);
  if (options == nullptr) return std::nullopt;
  ConninfoFields fields;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view key = o->keyword;
    if (key == "host" || (key == "hostaddr" && fields.host.empty())) fields.host = o->val;
    if (key == "port") fields.port = o->val;
    if (key == "dbname") fields.dbname = o->val;
    if (key == "user") fields.user = o->val;
    if (key == "password") fields.password = o->val;
    if (key == "connect_timeout") fields.has_connect_timeout = true;
  }
  PQconninfoFree(options);
  return fields;
}

std::string Describe(const ConninfoFields& f) {
  std::string host = f.host.empty() ? "localhost" : f.host;
  std::string db = !f.dbname.empty() ? f.dbname : !f.user.empty() ? f.user : "postgres";
  return host + ":" + (f.port.empty() ? "5432" : f.port) + "/" + db;
}

// Removes every occurrence of `secret` from `text` (libpq messages never quote the password
// as far as we know; this makes sure).
std::string Redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

// The first line of a libpq message, without trailing whitespace.
std::string FirstLine(const char* message) {
  std::string text = message == nullptr ? "" : message;
  size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text;
}

ErrorCode CodeForSqlState(std::string_view state) {
  if (state == "23505") return ErrorCode::kAlreadyExists;
  if (state == "40001" || state == "40P01") return ErrorCode::kAborted;
  if (state.substr(0, 2) == "08" || state == "57P01" || state == "57P02" || state == "57P03" ||
      state == "53300") {
    return ErrorCode::kUnavailable;
  }
  if (state.substr(0, 2) == "22" || state.substr(0, 2) == "23") {
    return ErrorCode::kInvalidArgument;
  }
  if (state == "57014") return ErrorCode::kDeadlineExceeded;  // statement timeout
  return ErrorCode::kInternal;
}

}  // namespace

int Rows::Column(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::string_view Rows::Text(size_t row, size_t col) const {
  const Param& value = rows_.at(row).at(col);
  return value ? std::string_view(*value) : std::string_view();
}

Result<int64_t> Rows::Int(size_t row, size_t col) const {
  const Param& value = rows_.at(row).at(col);
  int64_t out = 0;
  if (value) {
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), out);
    if (ec == std::errc() && end == value->data() + value->size()) return out;
  }
  return Unexpected(ErrorCode::kInternal, "column " + std::to_string(col) + " is not an integer");
}

std::string DescribeTarget(std::string_view conninfo) {
  auto fields = ParseConninfo(conninfo);
  return fields ? Describe(*fields) : std::string("(invalid connection string)");
}

struct Connection::Handle {
  PGconn* conn = nullptr;
  bool fatal = false;  // the server announced it is closing the session
  ~Handle() {
    if (conn != nullptr) PQfinish(conn);
  }
};

Connection::Connection(std::unique_ptr<Handle> handle, std::string target)
    : handle_(std::move(handle)), target_(std::move(target)) {}

Connection::~Connection() = default;

Result<std::unique_ptr<Connection>> Connection::Open(std::string_view conninfo) {
  auto fields = ParseConninfo(conninfo);
  if (!fields) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "malformed PostgreSQL connection string (not shown: it may hold a "
                      "password)");
  }
  std::string target = Describe(*fields);
  std::string dsn(conninfo);
  // Later keywords override what the expanded dbname (the whole string) set.
  std::vector<const char*> keys = {"dbname", "fallback_application_name"};
  std::vector<const char*> values = {dsn.c_str(), "gitops-api"};
  if (!fields->has_connect_timeout) {
    keys.push_back("connect_timeout");
    values.push_back("5");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  auto handle = std::make_unique<Handle>();
  handle->conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (handle->conn == nullptr) {
    return Unexpected(ErrorCode::kResourceExhausted, "out of memory connecting to " + target);
  }
  if (PQstatus(handle->conn) != CONNECTION_OK) {
    return Unexpected(ErrorCode::kUnavailable,
                      "PostgreSQL at " + target + " is unavailable: " +
                          Redact(FirstLine(PQerrorMessage(handle->conn)), fields->password));
  }
  // Notices are not printed (libpq's default writes them to stderr). A FATAL one arriving on
  // an idle session (shutdown, pg_terminate_backend) means the session is gone even before
  // the socket's end is read.
  PQsetNoticeReceiver(
      handle->conn,
      [](void* arg, const PGresult* notice) {
        const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
        if (severity != nullptr &&
            (std::string_view(severity) == "FATAL" || std::string_view(severity) == "PANIC")) {
          static_cast<Handle*>(arg)->fatal = true;
        }
      },
      handle.get());
  return std::unique_ptr<Connection>(new Connection(std::move(handle), std::move(target)));
}

Error Connection::QueryError(const void* raw) const {
  const PGresult* result = static_cast<const PGresult*>(raw);
  if (PQstatus(handle_->conn) == CONNECTION_BAD) {
    return MakeError(ErrorCode::kUnavailable, "lost the connection to PostgreSQL at " + target_ +
                                                  ": " + FirstLine(PQerrorMessage(handle_->conn)));
  }
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? FirstLine(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY))
                               : FirstLine(PQerrorMessage(handle_->conn));
  if (message.empty()) message = FirstLine(PQerrorMessage(handle_->conn));
  ErrorCode code = state ? CodeForSqlState(state) : ErrorCode::kInternal;
  return MakeError(code, "PostgreSQL: " + message, state ? std::string("sqlstate ") + state : "");
}

Result<Rows> Connection::Exec(std::string_view sql, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  std::string text(sql);
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(
      PQexecParams(handle_->conn, text.c_str(), static_cast<int>(values.size()), nullptr,
                   values.data(), nullptr, nullptr, /*resultFormat=*/0),
      PQclear);
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK) return Rows();
  if (status != PGRES_TUPLES_OK) return Unexpected(QueryError(result.get()));
  int n_rows = PQntuples(result.get());
  int n_cols = PQnfields(result.get());
  std::vector<std::string> columns;
  columns.reserve(n_cols);
  for (int c = 0; c < n_cols; ++c) columns.emplace_back(PQfname(result.get(), c));
  std::vector<std::vector<Param>> rows(n_rows);
  for (int r = 0; r < n_rows; ++r) {
    rows[r].reserve(n_cols);
    for (int c = 0; c < n_cols; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        rows[r].emplace_back(std::nullopt);
      } else {
        rows[r].emplace_back(
            std::string(PQgetvalue(result.get(), r, c), PQgetlength(result.get(), r, c)));
      }
    }
  }
  return Rows(std::move(columns), std::move(rows));
}

Status Connection::ExecScript(std::string_view sql) {
  std::string text(sql);
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(PQexec(handle_->conn, text.c_str()),
                                                        PQclear);
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    return OkStatus();
  }
  return Unexpected(QueryError(result.get()));
}

bool Connection::Broken() {
  PGconn* conn = handle_->conn;
  if (handle_->fatal || PQstatus(conn) == CONNECTION_BAD) return true;
  // An idle session has nothing to read unless the server closed it (shutdown, restart,
  // terminated backend) or sent a notification: look without blocking.
  pollfd fd{PQsocket(conn), POLLIN, 0};
  if (fd.fd < 0) return true;
  if (poll(&fd, 1, 0) > 0) {
    if (PQconsumeInput(conn) == 0) return true;
    while (PGnotify* n = PQnotifies(conn)) PQfreemem(n);
  }
  return handle_->fatal || PQstatus(conn) == CONNECTION_BAD;
}

bool Connection::InTransaction() const {
  PGTransactionStatusType s = PQtransactionStatus(handle_->conn);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool Connection::InFailedTransaction() const {
  return PQtransactionStatus(handle_->conn) == PQTRANS_INERROR;
}

Result<Transaction> Transaction::Begin(Connection& conn, std::string_view mode) {
  std::string sql = "BEGIN";
  if (!mode.empty()) sql.append(" ").append(mode);
  GITOPS_RETURN_IF_ERROR(conn.ExecScript(sql));
  return Transaction(conn);
}

Transaction::Transaction(Transaction&& other) noexcept
    : conn_(other.conn_), open_(std::exchange(other.open_, false)) {}

Transaction::~Transaction() { Rollback(); }

Status Transaction::Commit() {
  if (!open_) {
    return Unexpected(ErrorCode::kFailedPrecondition, "transaction already ended");
  }
  if (conn_->InFailedTransaction()) {
    Rollback();
    return Unexpected(ErrorCode::kAborted, "transaction rolled back after an earlier error");
  }
  open_ = false;
  return conn_->ExecScript("COMMIT");
}

void Transaction::Rollback() {
  if (!open_) return;
  open_ = false;
  if (!conn_->Broken()) (void)conn_->ExecScript("ROLLBACK");
}

}  // namespace gitops::pg
