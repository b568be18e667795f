using System.Net;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace CertConnector.Host.Tests.Admin.StatusPage;

/// <summary>
/// The status page of one connector after an end-to-end run: in a real browser (Debian's chromium, headless), signed in with the link
/// <c>status --open</c> prints, and over plain HTTP for the sign-in form's defences.
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class StatusPageTests(StatusPageConnector connector, ITestOutputHelper output) : IClassFixture<StatusPageConnector>
{
    [Fact]
    public void After_an_end_to_end_run_the_page_shows_the_instance_the_counts_the_failure_and_the_silent_ca_in_red()
    {
        var link = connector.SignInLink();
        Assert.StartsWith(connector.AdminUrl + "/signin?code=", link);

        var dom = Chromium.DumpDom(link); // the link redirects to /, where the session cookie shows the page

        Assert.Contains("id=\"instances\"", dom);
        Assert.Contains($"<td>{connector.Instance}</td>", dom);
        Assert.Equal(["pkcs", "on", "0", "0", "1", "1"], Cells(dom, "data-feature=\"pkcs\"").Take(6));
        var scep = Cells(dom, "data-feature=\"scep\"");
        Assert.Equal(["scep", "on", "0", "0", "1", "1"], scep.Take(6));
        Assert.NotEqual("never", scep[6]); // last success
        Assert.Contains("class=\"bad\"", RowOf(dom, $"data-ca=\"{StatusPageConnector.FailingCa}\"").Start);
        Assert.DoesNotContain("class=\"bad\"", RowOf(dom, "data-ca=\"builtin\"").Start);
        var failure = RowOf(dom, $">{StatusPageConnector.FailedRequestId}</a>").Row;
        Assert.Contains($"href=\"/requests/{StatusPageConnector.FailedRequestId}\"", failure);
        Assert.Contains("1001 PkcsRequestFailure", failure);
        Assert.Contains("4001 ScepRequestIssuedFailure", dom);
        Assert.Contains("Connector key", dom);
        Assert.Contains("OCSP signer", dom);
        // The subjects from outside are text: encoded in the DOM, never an element.
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", dom);
        var scepFailure = RowOf(dom, "alert(2)").Row; // the CSR's subject as the SCEP notification keeps it (RFC 4514 may escape the brackets)
        Assert.Contains("&lt;script", scepFailure);
        Assert.DoesNotContain("<script", dom, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(connector.Token, dom);
    }

    [Fact]
    public void A_screenshot_of_the_page_on_a_phone_sized_window_is_kept()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "artifacts", "status-page", "status-page-phone.png");
        Chromium.Screenshot(connector.SignInLink(), file, 412, 2400);
        var bytes = File.ReadAllBytes(file);
        Assert.True(bytes.Length > 10_000, $"{file} is only {bytes.Length} bytes");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes.Take(4));
        output.WriteLine($"status page screenshot: {file}");
    }

    [Fact]
    public void A_used_link_shows_only_the_sign_in_form()
    {
        var link = connector.SignInLink();
        Assert.Contains("id=\"instances\"", Chromium.DumpDom(link));

        var again = Chromium.DumpDom(link);

        Assert.Contains("id=\"signin-error\"", again);
        Assert.Contains("id=\"signin\"", again);
        Assert.DoesNotContain("id=\"instances\"", again);
        Assert.DoesNotContain(connector.Instance, again);
    }

    [Fact]
    public async Task The_token_form_signs_in_only_from_this_origin_with_its_anti_forgery_value_and_the_token_is_in_no_url()
    {
        using var http = NewClient();
        var form = await http.GetAsync("/");
        var formHtml = await form.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Contains("id=\"signin\"", formHtml);
        Assert.DoesNotContain("id=\"instances\"", formHtml); // a visitor without a session sees the form and nothing else
        Assert.DoesNotContain(connector.Instance, formHtml);
        Assert.Contains("default-src 'none'", form.Headers.GetValues("Content-Security-Policy").Single());
        var formCookie = Cookie(form, "certconnector_form");
        Assert.Contains($"value=\"{formCookie.Value}\"", formHtml);
        Assert.Contains("httponly", formCookie.Attributes);
        Assert.Contains("samesite=strict", formCookie.Attributes);

        var crossSite = await PostSignIn(http, "http://evil.example", formCookie.Value, connector.Token, formCookie.Value);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.False(crossSite.Headers.Contains("Set-Cookie") && crossSite.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("certconnector_session", StringComparison.Ordinal)));
        var noOrigin = await PostSignIn(http, null, formCookie.Value, connector.Token, formCookie.Value);
        Assert.Equal(HttpStatusCode.Forbidden, noOrigin.StatusCode);
        var forged = await PostSignIn(http, connector.AdminUrl, null, connector.Token, formCookie.Value); // no form cookie: another site's post
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        var wrong = await PostSignIn(http, connector.AdminUrl, formCookie.Value, connector.Token + "x", formCookie.Value);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        var signedIn = await PostSignIn(http, connector.AdminUrl, formCookie.Value, connector.Token, formCookie.Value);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location!.ToString());
        var session = Cookie(signedIn, "certconnector_session");
        Assert.Contains("httponly", session.Attributes);
        Assert.Contains("samesite=strict", session.Attributes);
        Assert.Contains("max-age=28800", session.Attributes);
        Assert.DoesNotContain("secure", session.Attributes); // plain http on loopback; behind https (X-Forwarded-Proto) it is Secure

        var page = await Get(http, "/", $"{session.Value}; certconnector_form={formCookie.Value}");
        Assert.Contains("id=\"instances\"", page);
        Assert.Contains($"value=\"{formCookie.Value}\"", page); // the sign-out form carries the same anti-forgery value

        // The request page: what GET /api/v1/requests/{id} gives, with the request actor's history; the subject stays text.
        var request = await Get(http, $"/requests/{StatusPageConnector.FailedRequestId}", session.Value);
        Assert.Contains("id=\"history-pkcs\"", request);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", request);
        Assert.DoesNotContain("<script", request, StringComparison.OrdinalIgnoreCase);
        var unknown = await http.SendAsync(WithCookie(new HttpRequestMessage(HttpMethod.Get, "/requests/%3Cscript%3E"), "certconnector_session", session.Value));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.DoesNotContain("<script>", await unknown.Content.ReadAsStringAsync());

        var signOut = new HttpRequestMessage(HttpMethod.Post, "/signout") { Content = new FormUrlEncodedContent([new("form", formCookie.Value)]) };
        signOut.Headers.Add("Origin", connector.AdminUrl);
        signOut.Headers.Add("Cookie", $"certconnector_form={formCookie.Value}; certconnector_session={session.Value}");
        Assert.Equal(HttpStatusCode.SeeOther, (await http.SendAsync(signOut)).StatusCode);
        Assert.Contains("id=\"signin\"", await Get(http, "/", session.Value));

        // Neither the token nor a code reached the logs.
        var logs = string.Concat(Directory.GetFiles(Path.Combine(connector.Process.DataDir, "logs")).Select(File.ReadAllText));
        Assert.Contains("StatusPageSignInRefused", logs);
        Assert.Contains("StatusPageSignedIn", logs);
        Assert.DoesNotContain(connector.Token, logs);
        Assert.DoesNotContain(connector.Token, connector.Process.Output);
    }

    [Fact]
    public async Task Sign_in_links_need_the_bearer_token_and_the_page_is_not_on_the_device_listener()
    {
        using var http = NewClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/v1/status/signin-codes", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/signin?code=made-up")).StatusCode);

        using var device = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(new Uri(connector.Process.ScepUrl).GetLeftPart(UriPartial.Authority)) };
        Assert.Equal(HttpStatusCode.NotFound, (await device.GetAsync("/")).StatusCode);
        var link = new Uri(connector.SignInLink());
        Assert.Equal(HttpStatusCode.NotFound, (await device.GetAsync(link.PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await http.GetAsync(link.PathAndQuery)).StatusCode); // not spent by the device listener
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(link.PathAndQuery)).StatusCode); // spent now

        var code = link.Query[(link.Query.IndexOf('=') + 1)..];
        var logs = string.Concat(Directory.GetFiles(Path.Combine(connector.Process.DataDir, "logs")).Select(File.ReadAllText));
        Assert.Contains("StatusPageSignInCodeIssued", logs);
        Assert.DoesNotContain(code, logs);
        Assert.DoesNotContain(code, connector.Process.Output);
    }

    private HttpClient NewClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(connector.AdminUrl) };

    private static Task<HttpResponseMessage> PostSignIn(HttpClient http, string? origin, string? formCookie, string token, string formValue)
    {
        var post = new HttpRequestMessage(HttpMethod.Post, "/signin") { Content = new FormUrlEncodedContent([new("token", token), new("form", formValue)]) };
        if (origin is not null) post.Headers.Add("Origin", origin);
        if (formCookie is not null) WithCookie(post, "certconnector_form", formCookie);
        return http.SendAsync(post);
    }

    private static async Task<string> Get(HttpClient http, string path, string session)
    {
        var answer = await http.SendAsync(WithCookie(new HttpRequestMessage(HttpMethod.Get, path), "certconnector_session", session));
        return await answer.Content.ReadAsStringAsync();
    }

    private static HttpRequestMessage WithCookie(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Add("Cookie", $"{name}={value}");
        return request;
    }

    /// <summary>The value of cookie <paramref name="name"/> the answer sets, and its attributes (lower case).</summary>
    private static (string Value, string Attributes) Cookie(HttpResponseMessage answer, string name)
    {
        var header = answer.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(name + "=", StringComparison.Ordinal));
        var value = header[(name.Length + 1)..header.IndexOf(';')];
        return (value, header[header.IndexOf(';')..].ToLowerInvariant());
    }

    /// <summary>The text of each cell of the first row holding <paramref name="marker"/>.</summary>
    private static List<string> Cells(string dom, string marker) =>
        [.. CellPattern().Matches(RowOf(dom, marker).Row).Select(m => TagPattern().Replace(m.Groups[1].Value, ""))];

    private static (string Start, string Row) RowOf(string dom, string marker)
    {
        var at = dom.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no '{marker}' in the page:\n{dom}");
        var start = dom.LastIndexOf("<tr", at, StringComparison.Ordinal);
        var end = dom.IndexOf("</tr>", at, StringComparison.Ordinal);
        return (dom[start..dom.IndexOf('>', start)], dom[start..end]);
    }

    [GeneratedRegex("<td[^>]*>(.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex CellPattern();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex TagPattern();
}
