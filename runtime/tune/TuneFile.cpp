#include "runtime/tune/TuneFile.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <sstream>

#include "lower/IR.h"

namespace hel::tune {
namespace {

struct BadEntry {
  TuneFileError error;
};

// Reads the fields of one [[loop]] table, throwing BadEntry for one that is missing or
// of the wrong type.
class EntryReader {
 public:
  EntryReader(const toml::table& table, size_t index) : table_(table), index_(index) {}

  template <typename T>
  T get(const char* field, const char* what) const {
    const toml::node* node = table_.get(field);
    std::optional<T> value = node ? node->value_exact<T>() : std::nullopt;
    if (!value) fail(node, fmt::format("'{}' must be {}", field, what));
    return *value;
  }

  double number(const char* field) const {
    const toml::node* node = table_.get(field);
    if (node && (node->is_floating_point() || node->is_integer())) return *node->value<double>();
    fail(node, fmt::format("'{}' must be a number", field));
  }

  std::vector<int64_t> integers(const char* field, bool positive) const {
    const toml::node* node = table_.get(field);
    const toml::array* array = node ? node->as_array() : nullptr;
    std::vector<int64_t> values;
    if (array)
      for (const toml::node& element : *array) {
        std::optional<int64_t> value = element.value_exact<int64_t>();
        if (!value || (positive && *value < 1)) {
          array = nullptr;
          break;
        }
        values.push_back(*value);
      }
    if (!array) fail(node, fmt::format("'{}' must be a list of {}integers", field, positive ? "positive " : ""));
    return values;
  }

  [[noreturn]] void fail(const toml::node* node, const std::string& message) const {
    const toml::source_region& where = node ? node->source() : table_.source();
    throw BadEntry{{fmt::format("[[loop]] {}: {}", index_ + 1, message), static_cast<int>(where.begin.line),
                    static_cast<int>(where.begin.column)}};
  }

 private:
  const toml::table& table_;
  size_t index_;
};

TunedLoop readEntry(const toml::table& table, size_t index) {
  EntryReader read(table, index);
  TunedLoop loop;
  loop.key.kernel = read.get<std::string>("kernel", "a string");
  loop.key.sourceHash = read.get<std::string>("source_hash", "a string");
  loop.key.loopLine = static_cast<int>(read.get<int64_t>("loop_line", "an integer"));
  loop.key.arguments = read.get<std::string>("arguments", "a string");
  loop.key.device = read.get<std::string>("device", "a string");
  loop.config.blockSizes = read.integers("block_sizes", true);
  loop.blockSizeIndices = read.integers("block_size_indices", false);
  if (loop.blockSizeIndices.size() != loop.config.blockSizes.size())
    read.fail(table.get("block_size_indices"), "'block_size_indices' must have one index per block size");
  loop.config.numWarps = read.get<int64_t>("num_warps", "an integer");
  if (loop.config.numWarps < 1 || loop.config.numWarps > 32 || (loop.config.numWarps & (loop.config.numWarps - 1)))
    read.fail(table.get("num_warps"), "'num_warps' must be a power of two from 1 to 32");
  loop.config.pidType = read.get<std::string>("pid_type", "a string");
  if (!tir::isPidType(loop.config.pidType)) {
    const std::vector<std::string>& pidTypes = tir::pidTypes();
    std::string names;
    for (size_t i = 0; i < pidTypes.size(); ++i)
      names += (i == 0 ? "'" : i + 1 == pidTypes.size() ? " or '" : ", '") + pidTypes[i] + "'";
    read.fail(table.get("pid_type"), "'pid_type' must be " + names);
  }
  loop.config.l2Grouping = read.get<int64_t>("l2_groupings", "an integer");
  if (loop.config.l2Grouping < 1) read.fail(table.get("l2_groupings"), "'l2_groupings' must be a positive integer");
  loop.config.loopOrder = read.integers("loop_order", false);
  loop.config.numStages = read.get<int64_t>("num_stages", "an integer");
  if (loop.config.numStages < 1) read.fail(table.get("num_stages"), "'num_stages' must be a positive integer");
  loop.ms = read.number("ms");
  loop.baseline = read.get<std::string>("baseline", "a string");
  loop.baselineMs = read.number("baseline_ms");
  loop.candidates = static_cast<int>(read.get<int64_t>("candidates", "an integer"));
  loop.failures = static_cast<int>(read.get<int64_t>("failures", "an integer"));
  loop.line = static_cast<int>(read.get<int64_t>("line", "an integer"));
  loop.helVersion = read.get<std::string>("hel_version", "a string");
  return loop;
}

}  // namespace

std::string sourceHash(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ULL;
  return fmt::format("{:016x}", hash);
}

std::string TuneFile::pathFor(const std::string& script) { return script + ".tune.toml"; }

std::optional<TuneFile> TuneFile::parse(const std::string& text, TuneFileError* error) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    *error = {std::string(e.description()), static_cast<int>(e.source().begin.line),
              static_cast<int>(e.source().begin.column)};
    return std::nullopt;
  }
  TuneFile file;
  for (auto&& [name, node] : root) {
    if (name.str() != "loop" || !node.is_array_of_tables()) {
      *error = {fmt::format("unexpected '{}': a tune file holds only [[loop]] tables", name.str()),
                static_cast<int>(node.source().begin.line), static_cast<int>(node.source().begin.column)};
      return std::nullopt;
    }
    const toml::array& loops = *node.as_array();
    try {
      for (size_t i = 0; i < loops.size(); ++i) file.loops.push_back(readEntry(*loops[i].as_table(), i));
    } catch (const BadEntry& bad) {
      *error = bad.error;
      return std::nullopt;
    }
  }
  return file;
}

std::string TuneFile::format() const {
  auto quoted = [](const std::string& text) {
    std::ostringstream out;
    out << toml::value<std::string>(text);
    return out.str();
  };
  std::string text =
      "# Written by `hel tune`: the config chosen for each device loop of each kernel, per\n"
      "# specialization. hel run, test and bench use it for kernels called without a config.\n";
  for (const TunedLoop& loop : loops) {
    text += "\n[[loop]]\n";
    text += fmt::format("kernel = {}\n", quoted(loop.key.kernel));
    text += fmt::format("source_hash = {}\n", quoted(loop.key.sourceHash));
    text += fmt::format("loop_line = {}\n", loop.key.loopLine);
    text += fmt::format("arguments = {}\n", quoted(loop.key.arguments));
    text += fmt::format("device = {}\n", quoted(loop.key.device));
    text += fmt::format("block_sizes = [{}]\n", fmt::join(loop.config.blockSizes, ", "));
    text += fmt::format("block_size_indices = [{}]\n", fmt::join(loop.blockSizeIndices, ", "));
    text += fmt::format("num_warps = {}\n", loop.config.numWarps);
    text += fmt::format("pid_type = {}\n", quoted(loop.config.pidType));
    text += fmt::format("l2_groupings = {}\n", loop.config.l2Grouping);
    text += fmt::format("loop_order = [{}]\n", fmt::join(loop.config.loopOrder, ", "));
    text += fmt::format("num_stages = {}\n", loop.config.numStages);
    text += fmt::format("ms = {:.6g}\n", loop.ms);
    text += fmt::format("baseline = {}\n", quoted(loop.baseline));
    text += fmt::format("baseline_ms = {:.6g}\n", loop.baselineMs);
    text += fmt::format("candidates = {}\n", loop.candidates);
    text += fmt::format("failures = {}\n", loop.failures);
    text += fmt::format("line = {}\n", loop.line);
    text += fmt::format("hel_version = {}\n", quoted(loop.helVersion));
  }
  return text;
}

const TunedLoop* TuneFile::find(const LoopKey& key) const {
  for (const TunedLoop& loop : loops)
    if (loop.key == key) return &loop;
  return nullptr;
}

void TuneFile::put(TunedLoop loop) {
  for (TunedLoop& existing : loops)
    if (existing.key == loop.key) {
      existing = std::move(loop);
      return;
    }
  loops.push_back(std::move(loop));
}

}  // namespace hel::tune
