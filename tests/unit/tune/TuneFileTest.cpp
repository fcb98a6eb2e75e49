// The tune file's text form (runtime/tune/TuneFile.h) and the worker's events.
#include <catch2/catch.hpp>

#include "runtime/tune/TuneFile.h"
#include "runtime/tune/WorkerEvents.h"

using namespace hel::tune;

TEST_CASE("a tune file reads back what was written") {
  TuneFile file;
  TunedLoop loop;
  loop.key = {"matmul", sourceHash("def matmul(): ..."), 5, "a=f16[4096,4096], b=f16[4096,4096]", "NVIDIA H100 80GB HBM3"};
  loop.config.blockSizes = {128, 128, 64};
  loop.config.numWarps = 8;
  loop.config.l2Grouping = 8;
  loop.config.loopOrder = {1, 0};
  loop.blockSizeIndices = {0, 1, 2};
  loop.ms = 0.21;
  loop.baseline = "helion.Config(block_sizes=[64, 64, 32])";
  loop.baselineMs = 0.5;
  loop.candidates = 40;
  loop.failures = 2;
  loop.line = 20;
  loop.helVersion = "0.1.0";
  file.put(loop);
  TuneFileError error;
  std::optional<TuneFile> read = TuneFile::parse(file.format(), &error);
  REQUIRE(read);
  REQUIRE(read->loops.size() == 1);
  const TunedLoop* found = read->find(loop.key);
  REQUIRE(found);
  CHECK(found->config == loop.config);
  CHECK(found->blockSizeIndices == loop.blockSizeIndices);
  CHECK(found->ms == Approx(0.21));
  CHECK(found->baseline == loop.baseline);
  CHECK(configArguments(found->config) ==
        "block_sizes=[128, 128, 64], num_warps=8, loop_orders=[[1, 0]], l2_groupings=[8]");
  loop.key.sourceHash = sourceHash("def matmul(): changed");
  CHECK_FALSE(read->find(loop.key));
}

TEST_CASE("put replaces the entry with the same key") {
  TuneFile file;
  TunedLoop loop;
  loop.key = {"k", "0", 1, "x=f32[8]", "cpu"};
  loop.config.blockSizes = {8};
  file.put(loop);
  loop.config.numWarps = 2;
  file.put(loop);
  REQUIRE(file.loops.size() == 1);
  CHECK(file.loops[0].config.numWarps == 2);
}

TEST_CASE("a bad tune file says what and where") {
  TuneFileError error;
  CHECK_FALSE(TuneFile::parse("[[loop]]\nkernel = 3\n", &error));
  CHECK(error.message == "[[loop]] 1: 'kernel' must be a string");
  CHECK(error.line == 2);
  CHECK_FALSE(TuneFile::parse("x = [", &error));
  CHECK(error.line == 1);
}

TEST_CASE("events go through a line and back") {
  Event event;
  event.kind = Event::Kind::Result;
  event.loopId = "abc";
  event.config = "block_sizes=[64], num_warps=4";
  event.outcome = Outcome::Wrong;
  event.ms = 0.5;
  event.detail = "Mismatched\telements\n3 / 8";
  std::string line = encode(event);
  CHECK(line.back() == '\n');
  line.pop_back();
  std::optional<Event> back = decode(line);
  REQUIRE(back);
  CHECK(back->outcome == Outcome::Wrong);
  CHECK(back->config == event.config);
  CHECK(back->detail == "Mismatched elements 3 / 8");
  CHECK_FALSE(decode("nonsense"));
  Journal journal = Journal::parse(encode(event) + "try\tabc\tx\n" + "done\tabc\n");
  CHECK(journal.outcome("abc", event.config));
  CHECK(journal.done("abc"));
  CHECK(journal.events().size() == 2);
}

TEST_CASE("a tune file's pid_type is one lowering knows") {
  TuneFile file;
  TunedLoop loop;
  loop.key = {"matmul", "0", 1, "x=f32[4096,4096]", "NVIDIA H100 80GB HBM3"};
  loop.config.blockSizes = {64, 128, 32};
  loop.config.pidType = "split_tail";
  loop.blockSizeIndices = {0, 1, 2};
  file.put(loop);
  TuneFileError error;
  std::optional<TuneFile> read = TuneFile::parse(file.format(), &error);
  REQUIRE(read);
  CHECK(read->loops.at(0).config.pidType == "split_tail");
  std::string text = file.format();
  text.replace(text.find("split_tail"), 10, "stream_k");
  CHECK_FALSE(TuneFile::parse(text, &error));
  CHECK(error.message == "[[loop]] 1: 'pid_type' must be 'flat', 'xyz', 'persistent_blocked', "
                         "'persistent_interleaved' or 'split_tail'");
}
