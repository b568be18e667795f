using CertConnector.Adapters.Scep;

namespace CertConnector.Adapters.Tests.Scep;

public class ScepDecodeSlotsTests
{
    [Fact]
    public void A_decode_past_the_limit_is_refused_at_once_and_a_released_slot_is_reusable()
    {
        var slots = new ScepDecodeSlots(2);
        using var first = slots.TryTake();
        var second = slots.TryTake();
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(slots.TryTake());
        second!.Dispose();
        second.Dispose(); // a second dispose must not free a slot someone else holds
        Assert.NotNull(slots.TryTake());
        Assert.Null(slots.TryTake());
    }
}
