#include "runtime/tune/WorkerEvents.h"

#include <fmt/format.h>

#include <sstream>

namespace hel::tune {
namespace {

constexpr const char* kOutcomeNames[] = {"ok", "slow", "wrong", "compile_failed", "over_budget", "faulted", "hung"};
constexpr const char* kKindNames[] = {"loop", "try", "result", "done"};

// Fields are separated by tabs and events by newlines, so neither may appear in one.
std::string clean(std::string text) {
  for (char& c : text)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return text;
}

std::vector<std::string> splitTabs(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t')) fields.push_back(field);
  return fields;
}

}  // namespace

const char* outcomeName(Outcome outcome) { return kOutcomeNames[static_cast<int>(outcome)]; }

bool launched(Outcome outcome) {
  return outcome != Outcome::CompileFailed && outcome != Outcome::OverBudget;
}

bool failed(Outcome outcome) {
  return outcome == Outcome::Wrong || outcome == Outcome::CompileFailed || outcome == Outcome::Faulted ||
         outcome == Outcome::Hung;
}

std::string encode(const Event& event) {
  std::string line = kKindNames[static_cast<int>(event.kind)];
  line += "\t" + clean(event.loopId);
  switch (event.kind) {
    case Event::Kind::Loop: line += "\t" + clean(event.title); break;
    case Event::Kind::Try: line += "\t" + clean(event.config); break;
    case Event::Kind::Result:
      line += fmt::format("\t{}\t{}\t{:.9g}\t{}", clean(event.config), outcomeName(event.outcome), event.ms,
                          clean(event.detail));
      break;
    case Event::Kind::Done: break;
  }
  return line + "\n";
}

std::optional<Event> decode(const std::string& line) {
  std::vector<std::string> fields = splitTabs(line);
  if (fields.size() < 2) return std::nullopt;
  Event event;
  int kind = -1;
  for (int i = 0; i < 4; ++i)
    if (fields[0] == kKindNames[i]) kind = i;
  if (kind < 0) return std::nullopt;
  event.kind = static_cast<Event::Kind>(kind);
  event.loopId = fields[1];
  switch (event.kind) {
    case Event::Kind::Loop:
      if (fields.size() != 3) return std::nullopt;
      event.title = fields[2];
      break;
    case Event::Kind::Try:
      if (fields.size() != 3) return std::nullopt;
      event.config = fields[2];
      break;
    case Event::Kind::Result: {
      if (fields.size() < 5) return std::nullopt;
      event.config = fields[2];
      int outcome = -1;
      for (int i = 0; i < 7; ++i)
        if (fields[3] == kOutcomeNames[i]) outcome = i;
      if (outcome < 0) return std::nullopt;
      event.outcome = static_cast<Outcome>(outcome);
      try {
        event.ms = std::stod(fields[4]);
      } catch (const std::exception&) {
        return std::nullopt;
      }
      event.detail = fields.size() > 5 ? fields[5] : "";
      break;
    }
    case Event::Kind::Done:
      if (fields.size() != 2) return std::nullopt;
      break;
  }
  return event;
}

void Journal::add(const Event& event) {
  if (event.kind == Event::Kind::Result || event.kind == Event::Kind::Done) events_.push_back(event);
}

const Event* Journal::outcome(const std::string& loopId, const std::string& config) const {
  for (const Event& event : events_)
    if (event.kind == Event::Kind::Result && event.loopId == loopId && event.config == config) return &event;
  return nullptr;
}

bool Journal::done(const std::string& loopId) const {
  for (const Event& event : events_)
    if (event.kind == Event::Kind::Done && event.loopId == loopId) return true;
  return false;
}

std::string Journal::text() const {
  std::string text;
  for (const Event& event : events_) text += encode(event);
  return text;
}

Journal Journal::parse(const std::string& text) {
  Journal journal;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (std::optional<Event> event = decode(line)) journal.add(*event);
  return journal;
}

}  // namespace hel::tune
