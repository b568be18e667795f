using System.Text.Json;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using CertConnector.Actors.Common;
using CertConnector.Actors.Scep;
using CertConnector.Host.Admin;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CertConnector.Host.Tests.Admin;

/// <summary>
/// The one <c>show</c> every feature's endpoint uses (<see cref="RequestViews.ShowAsync{TRecord}"/>): the journal first (an ID it does not
/// hold asks no actor), then the one query; a 503 when the actor does not answer. A shard region stands in as a probe; the journal is the
/// in-memory one.
/// </summary>
public sealed class RequestViewsShowTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Feature = "demo";

    private static string PersistenceIdOf(string id) => $"demo-{id}";

    private Task<IResult> Show(IActorRef region, string id, string? record = null) =>
        RequestViews.ShowAsync(Sys, Feature, region, PersistenceIdOf(id), "demo request", id, record, remote: true,
            (view, queued) => new { view.State, view.Known, Queued = queued }, CancellationToken.None);

    [Fact]
    public async Task An_ID_the_journal_does_not_hold_is_a_404_and_no_actor_is_asked()
    {
        var region = CreateTestProbe();

        var result = await Show(region.Ref, "never-seen");

        Assert.Equal(StatusCodes.Status404NotFound, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
        Assert.Contains("has not downloaded it from the management service", Assert.IsType<NotFound<ApiError>>(result).Value!.Error);
        Assert.False(region.HasMessages); // the show completed without a message to the region
    }

    [Fact]
    public async Task A_queued_request_not_yet_journaled_is_shown_from_its_record_without_asking_an_actor()
    {
        var region = CreateTestProbe();

        var result = await Show(region.Ref, "queued-only", record: "in the queue");

        Assert.Equal(StatusCodes.Status200OK, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
        Assert.Contains("\"queued\":\"in the queue\"", Body(result));
        Assert.Contains("\"known\":false", Body(result));
        Assert.False(region.HasMessages);
    }

    [Fact]
    public async Task A_journaled_request_is_asked_with_the_one_query_and_shown_from_its_answer()
    {
        await Journal("known-1");
        var region = CreateTestProbe();
        region.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            var id = ((GetRequestView)message).RequestId;
            sender.Tell(RequestView.Unknown(Feature, id) with { Known = true, State = "Uploaded" });
            return AutoPilot.KeepRunning;
        }));

        var result = await Show(region.Ref, "known-1");

        Assert.Equal(StatusCodes.Status200OK, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
        Assert.Contains("\"state\":\"Uploaded\"", Body(result));
        Assert.Equal("known-1", region.ExpectMsg<GetRequestView>().RequestId);
    }

    [Fact]
    public async Task A_journaled_request_whose_actor_does_not_answer_is_a_503_with_a_clear_message()
    {
        await Journal("silent-1");
        var region = CreateTestProbe(); // receives the query and never answers

        var result = await Show(region.Ref, "silent-1");

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
        Assert.Contains("The demo request actors did not answer", Assert.IsType<JsonHttpResult<ApiError>>(result).Value!.Error);
        region.ExpectMsg<GetRequestView>();
    }

    /// <summary><c>requests show</c> prints a feature's details by their own fields (SCEP has no show of its own: this is all an operator sees).</summary>
    [Fact]
    public void The_admin_API_writes_a_view_s_details_with_their_own_fields()
    {
        var view = RequestView.Unknown("scep", "scep-1") with { Known = true, State = "Issued", Details = new ScepViewDetails("tx-42", 2) };
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        var written = JsonSerializer.Serialize(RequestViewBody.Of(view), web);

        Assert.Contains("\"details\":{\"transactionId\":\"tx-42\",\"notifyAttempts\":2}", written);
        Assert.Contains("\"details\":{}", JsonSerializer.Serialize(view, web)); // the wire record alone would print nothing of them
    }

    private static string Body(IResult result) =>
        JsonSerializer.Serialize(Assert.IsAssignableFrom<IValueHttpResult>(result).Value, new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>One event in the in-memory journal under the demo persistence ID, as a request's first event would be.</summary>
    private async Task Journal(string id)
    {
        var writer = Sys.ActorOf(Props.Create(() => new OneEventWriter(PersistenceIdOf(id))));
        await writer.Ask<string>("write", TimeSpan.FromSeconds(10));
    }

    private sealed class OneEventWriter : ReceivePersistentActor
    {
        public OneEventWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Command<string>(_ =>
            {
                var replyTo = Sender;
                Persist("downloaded", _ => replyTo.Tell("written"));
            });
        }

        public override string PersistenceId { get; }
    }
}
