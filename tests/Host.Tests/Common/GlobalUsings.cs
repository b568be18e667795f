// Shared process, log and tool helpers every test folder uses (tests/Host.Tests/Common).
global using CertConnector.Host.Tests.Common;
