from bot.sim.ratelimits import RateLimits


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_message_a_second_into_a_private_chat() -> None:
    clock = FakeClock()
    limits = RateLimits(clock=clock)
    assert limits.check("sendMessage", {"chat_id": 5}) is None
    assert limits.check("sendMessage", {"chat_id": 5}) == 1
    assert limits.check("sendMessage", {"chat_id": 6}) is None
    clock.now += 1.0
    assert limits.check("sendMessage", {"chat_id": 5}) is None


def test_thirty_a_second_overall_and_twenty_a_minute_into_a_group() -> None:
    clock = FakeClock()
    limits = RateLimits(clock=clock)
    for chat in range(30):
        assert limits.check("sendMessage", {"chat_id": chat + 1}) is None
    assert limits.check("sendMessage", {"chat_id": 999}) == 1
    clock.now += 1.0
    for _ in range(20):
        assert limits.check("sendMessage", {"chat_id": -100}) is None
        clock.now += 0.1
    wait = limits.check("sendMessage", {"chat_id": -100})
    assert wait is not None
    assert 55 <= wait <= 59
    assert limits.check("getMe", {}) is None
    assert limits.refused == 2
