#include "runtime/tune/LoopConfig.h"

#include <fmt/format.h>

namespace hel::tune {

std::string configArguments(const LoopConfig& config, const std::vector<int64_t>& blockSizes) {
  std::string text = fmt::format("block_sizes=[{}], num_warps={}", fmt::join(blockSizes, ", "), config.numWarps);
  if (!config.loopOrder.empty()) {
    bool identity = true;
    for (size_t i = 0; i < config.loopOrder.size(); ++i) identity &= config.loopOrder[i] == static_cast<int64_t>(i);
    if (!identity) text += fmt::format(", loop_orders=[[{}]]", fmt::join(config.loopOrder, ", "));
  }
  if (config.l2Grouping != 1) text += fmt::format(", l2_groupings=[{}]", config.l2Grouping);
  if (config.pidType != "flat") text += fmt::format(", pid_type='{}'", config.pidType);
  if (config.numStages != 1) text += fmt::format(", num_stages={}", config.numStages);
  return text;
}

std::string configArguments(const LoopConfig& config) { return configArguments(config, config.blockSizes); }

}  // namespace hel::tune
