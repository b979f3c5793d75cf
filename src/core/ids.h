// Random identifiers (job ids, delivery ids).
#pragma once

#include <string>
#include <string_view>

namespace gitops {

// Returns a random (version 4) UUID in canonical lowercase form. Thread-safe.
std::string NewUuid();

// True when `s` is a canonical lowercase or uppercase UUID (8-4-4-4-12 hex digits).
bool IsUuid(std::string_view s);

}  // namespace gitops
