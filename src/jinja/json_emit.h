// Python's json.dumps for template values: the serializer behind the tojson (Jinja's
// htmlsafe_json_dumps) and to_json filters.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "jinja/value.h"

namespace gitops::jinja {

struct JsonDumpOptions {
  bool sort_keys = false;
  // nullopt: one line with ", " and ": "; else newlines, this string per level, "," and ": ".
  std::optional<std::string> indent;
  bool ensure_ascii = true;  // non-ASCII as \uXXXX (surrogate pairs above U+FFFF)
  bool html_safe = false;    // < > & ' as \u003c \u003e \u0026 \u0027 (Jinja's tojson)
};

// json.dumps(v, ...). kInvalidArgument "Object of type X is not JSON serializable" for
// undefined values and runtime objects, for unsortable keys with sort_keys, and for nesting
// deeper than 500 levels (a list that contains itself).
Result<std::string> JsonDumps(const Value& v, const JsonDumpOptions& options);
// As JsonDumps, appending to `out` (the evaluator writes {{ x | tojson }} straight into the
// output). On error `out` may hold part of the text.
Status AppendJsonDumps(std::string& out, const Value& v, const JsonDumpOptions& options);

}  // namespace gitops::jinja
