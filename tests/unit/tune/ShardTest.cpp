// Shares of the specializations (runtime/tune/Shard.h).
#include <catch2/catch.hpp>

#include "runtime/tune/Shard.h"

using namespace hel::tune;

TEST_CASE("shard text is I/N with I from 1 to N") {
  REQUIRE(parseShard("1/1")->count == 1);
  std::optional<Shard> third = parseShard("3/4");
  REQUIRE(third);
  CHECK(third->index == 2);
  CHECK(third->count == 4);
  CHECK(third->text() == "3/4");
  for (const char* bad : {"0/2", "3/2", "1/0", "1", "/2", "1/", "a/b", "-1/2", "1/2/3", "1 /2", "1/9999999"})
    CHECK_FALSE(parseShard(bad));
}

TEST_CASE("the shares of one N cover every loop once") {
  for (int count : {1, 2, 3, 5}) {
    for (int ordinal = 0; ordinal < 40; ++ordinal) {
      int owners = 0;
      for (int index = 0; index < count; ++index) owners += Shard{index, count}.covers(ordinal);
      CHECK(owners == 1);
    }
  }
}

TEST_CASE("splitting a share among devices divides exactly that share") {
  Shard share{1, 3};  // --shard 2/3
  for (int ordinal = 0; ordinal < 60; ++ordinal) {
    int owners = 0;
    for (int device = 0; device < 2; ++device) owners += share.split(device, 2).covers(ordinal);
    CHECK(owners == (share.covers(ordinal) ? 1 : 0));
  }
  // The loops of the share alternate between the devices, in launch order.
  CHECK(share.split(0, 2).covers(1));
  CHECK(share.split(1, 2).covers(4));
  CHECK(share.split(0, 2).covers(7));
}
