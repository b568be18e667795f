using CertConnector.Adapters.Scep;

namespace CertConnector.Adapters.Tests.Scep;

public class ScepDecodeSlotsTests
{
    [Fact]
    public async Task Past_the_slots_a_decode_waits_and_past_the_waiting_room_it_is_refused_at_once()
    {
        var slots = new ScepDecodeSlots(limit: 1, maxWaiting: 1);
        var first = await slots.TryTakeAsync(CancellationToken.None);
        Assert.NotNull(first);
        var waiting = slots.TryTakeAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        Assert.Null(await slots.TryTakeAsync(CancellationToken.None)); // the waiting room (one) is full

        first!.Dispose();
        first.Dispose(); // a second dispose must not free the slot the waiter now holds
        using var second = await waiting;
        Assert.NotNull(second);
        var third = slots.TryTakeAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        second!.Dispose();
        Assert.NotNull(await third);
    }

    [Fact]
    public async Task Without_a_waiting_room_a_taken_slot_means_refusal()
    {
        var slots = new ScepDecodeSlots(limit: 2, maxWaiting: 0);
        using var a = await slots.TryTakeAsync(CancellationToken.None);
        using var b = await slots.TryTakeAsync(CancellationToken.None);
        Assert.Null(await slots.TryTakeAsync(CancellationToken.None));
    }
}
