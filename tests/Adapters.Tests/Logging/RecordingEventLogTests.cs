using CertConnector.Actors.Logging;
using CertConnector.Adapters.Logging;

namespace CertConnector.Adapters.Tests.Logging;

public sealed class RecordingEventLogTests
{
    [Fact]
    public void Records_events_from_many_threads_and_answers_by_definition_and_request()
    {
        var log = new RecordingEventLog();
        Parallel.For(0, 1000, i =>
            log.Write(i % 2 == 0 ? ConnectorEvents.PkcsIssuedSuccess : ConnectorEvents.PkcsUploadedRequest, $"r-{i % 10}", "x"));

        Assert.Equal(1000, log.Events.Count);
        Assert.Equal(500, log.Count(ConnectorEvents.PkcsIssuedSuccess));
        Assert.Equal(100, log.Count(ConnectorEvents.PkcsIssuedSuccess, "r-0"));
        Assert.Equal(0, log.Count(ConnectorEvents.PkcsIssuedSuccess, "r-1"));
        Assert.True(log.Contains(ConnectorEvents.PkcsUploadedRequest, "r-1"));
        Assert.False(log.Contains(ConnectorEvents.PkcsRequestFailure));
        Assert.Equal(100, log.ForRequest("r-3").Count);
        Assert.Equal(500, log.Of(ConnectorEvents.PkcsUploadedRequest).Count);

        log.Clear();
        Assert.Empty(log.Events);
    }

    [Fact]
    public void Keeps_order_and_forwards_to_another_log()
    {
        var inner = new RecordingEventLog();
        var log = new RecordingEventLog(inner);
        log.Write(ConnectorEvents.PkcsDownloadedRequest, "r", "a");
        log.Write(ConnectorEvents.PkcsIssuedSuccess, "r", "b");
        log.Write(ConnectorEvents.PkcsRequestSuccess, "r", "c");

        Assert.Equal([1020, 1050, 1000], log.Ids);
        Assert.Equal(log.Ids, inner.Ids);
    }
}
