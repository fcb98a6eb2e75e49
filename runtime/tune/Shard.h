// A share of a script's device loop specializations, for spreading a sweep over machines
// (`hel tune --shard I/N`) or GPUs (`--devices`): those whose place in the order of their
// first launch (among the loops tuned), counted from 0, is `index` modulo `count`. A script
// launches its loops in the same order every run, so the shares of one N are disjoint and
// cover them all; taking every N-th keeps them about the same size.
#pragma once

#include <optional>
#include <string>

namespace hel::tune {

struct Shard {
  int index = 0;
  int count = 1;
  bool covers(int ordinal) const { return ordinal % count == index; }
  // Part `part` of `parts` of this share: those of its loops whose place among its own is
  // `part` modulo `parts`.
  Shard split(int part, int parts) const { return {index + count * part, count * parts}; }
  // "I/N", I counted from 1.
  std::string text() const;
};

// "I/N", with I from 1 to N (N below a million), as a Shard; nullopt where the text is
// not that.
std::optional<Shard> parseShard(const std::string& text);

}  // namespace hel::tune
