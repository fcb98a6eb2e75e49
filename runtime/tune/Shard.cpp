#include "runtime/tune/Shard.h"

#include <fmt/format.h>

namespace hel::tune {

std::string Shard::text() const { return fmt::format("{}/{}", index + 1, count); }

std::optional<Shard> parseShard(const std::string& text) {
  auto number = [](const std::string& digits) -> std::optional<int> {
    if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoi(digits);
  };
  size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::optional<int> part = number(text.substr(0, slash)), parts = number(text.substr(slash + 1));
  if (!part || !parts || *part < 1 || *part > *parts) return std::nullopt;
  return Shard{*part - 1, *parts};
}

}  // namespace hel::tune
