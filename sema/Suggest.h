// "Did you mean ...?": the known name closest to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hel::sema {

// Edit distance: insertions, deletions, substitutions and swaps of two
// neighbouring characters (`rleu` for `relu`) all cost 1.
size_t editDistance(const std::string& a, const std::string& b);

// The candidate closest to `name`, if any is close enough to be a likely typo:
// at most (len(name) + len(candidate) + 3) / 6 edits away, as CPython's
// NameError suggestions allow. Ties go to the candidate listed first.
std::optional<std::string> closestName(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace hel::sema
