using CertConnector.Host.Ca;
using CertConnector.Actors.Logging;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Admin.StatusPage;
using CertConnector.Host.Ca.Named;

namespace CertConnector.Host.Tests.Admin.StatusPage;

/// <summary>The page's HTML from a model whose every outside-supplied text tries to be markup.</summary>
public sealed class StatusPageHtmlTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private const string FailedId = "\"><script>alert(1)</script>";

    private static StatusPageModel Model() => new(Now,
        new ConnectorStatus("<script>instance</script>", "1.2.3", "akka.ssl.tcp://certconnector@127.0.0.1:4053", ["pkcs"], [], [], ["<script>warning</script>"],
            KeyPool: [new KeyPoolFill("rsa:2048", 3, 8)], Cas:
            [
                new CaStatus("builtin", "builtin", true, true, Now, null),
                new CaStatus("<b>corp</b>", "scep", false, false, Now, "<script>connection refused</script>"),
            ]),
        new ClusterView("self", null, [new ClusterMemberView("akka.ssl.tcp://certconnector@127.0.0.1:4053", "Up", ["pkcs"], true, "1.2.3",
            "<script>member</script>", Now, TimeSpan.FromMinutes(5), true, true)], []),
        [new FeatureActivity("pkcs", true, new QueueStatistics(4, 1, 12, 3, Now, Now, 2), null, ConnectorEvents.PkcsRequestFailure)],
        [new RecentFailure(Now, "pkcs", FailedId, "<i>CaUnreachable</i>", "CN=<script>alert(2)</script>")],
        [new CredentialExpiry("OCSP signer", "CN=<script>", Now.AddDays(3)), new CredentialExpiry("CA (built-in)", "CN=CA", Now.AddDays(400))]);

    [Fact]
    public void Text_from_outside_renders_as_text_never_as_markup()
    {
        var html = StatusPageHtml.Status(Model(), "form-value");

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html);
        Assert.DoesNotContain("<i>", html);
        Assert.Contains("&lt;script&gt;alert(2)&lt;/script&gt;", html);
        Assert.Contains("&lt;script&gt;connection refused&lt;/script&gt;", html);
        // The ID is escaped for the URL, then for the attribute: it cannot close the href.
        Assert.Contains("href=\"/requests/%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E\"", html);
    }

    [Fact]
    public void A_ca_that_did_not_answer_and_a_certificate_days_from_its_end_are_red_and_the_counts_are_shown()
    {
        var html = StatusPageHtml.Status(Model(), "form-value");

        Assert.Contains("<tr class=\"bad\" data-ca=\"&lt;b&gt;corp&lt;/b&gt;\">", html);
        Assert.Contains("<tr data-ca=\"builtin\">", html);
        Assert.Contains("<tr class=\"bad\"><td>OCSP signer</td>", html);
        Assert.Contains("<tr><td>CA (built-in)</td>", html);
        Assert.Contains("<tr data-feature=\"pkcs\"><td>pkcs</td><td>on</td><td>4</td><td>1</td><td>12</td><td>3</td>", html);
        Assert.Contains("<td>1001 PkcsRequestFailure</td>", html);
    }

    [Fact]
    public void An_instance_out_of_support_is_red_with_its_lifecycle_and_this_instances_release_and_state_head_the_page()
    {
        var outOfSupport = new CertConnector.Actors.Updates.Lifecycle(CertConnector.Actors.Updates.LifecycleState.OutOfSupport, "1.2.3", "1.4.0", "1.3.0",
            Now.AddMonths(-1), Now.AddYears(1), "<b>out of support since 2026-11-01</b>");
        var model = Model();
        model = model with
        {
            Status = model.Status with { ReleaseDate = "2025-01-01", Lifecycle = outOfSupport },
            Cluster = model.Cluster with { Members = [model.Cluster.Members[0] with { Lifecycle = outOfSupport }] },
        };

        var html = StatusPageHtml.Status(model, "form-value");

        Assert.Contains("<p id=\"lifecycle\" class=\"bad\">Version 1.2.3, released 2025-01-01: OutOfSupport. &lt;b&gt;out of support since 2026-11-01&lt;/b&gt;</p>", html);
        Assert.Contains("<tr class=\"bad\"><td>&lt;script&gt;member&lt;/script&gt;</td>", html);
        Assert.Contains("OutOfSupport: &lt;b&gt;out of support", html);
        Assert.DoesNotContain("<pre id=\"more\">lifecycle", html); // shown in its place, not under More
    }

    [Fact]
    public void What_the_page_does_not_know_of_the_status_model_is_listed_under_more()
    {
        var html = StatusPageHtml.Status(Model(), "form-value");

        Assert.Contains("<pre id=\"more\">keyPool: [{&quot;keySpec&quot;:&quot;rsa:2048&quot;,&quot;available&quot;:3,&quot;capacity&quot;:8}]</pre>", html);
    }

    [Fact]
    public void The_page_is_made_for_a_phone_and_loads_nothing_from_elsewhere()
    {
        var html = StatusPageHtml.Status(Model(), "form-value");

        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", html);
        Assert.Contains("overflow-x:auto", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("<link", html);
        Assert.Contains("default-src 'none'", StatusPageHtml.ContentSecurityPolicy);
    }
}
