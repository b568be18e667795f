namespace CertConnector.Adapters.Tests.Scep;

/// <summary>
/// A real PKCSReq from micromdm scepclient 2.1.0 (Debian package "scep"), captured against a probe server
/// built on this protocol layer: `scepclient -server-url http://127.0.0.1:8089/scep -private-key key.pem
/// -challenge interop-pw -cn fixture-device`. GetCACert answered CA + RA, so the envelope has two
/// recipients (CA first). Throw-away keys, base64 DER (PKCS#8 for keys); certificates valid 2025–2055.
/// </summary>
internal static class ScepClientCapture
{
    public static readonly byte[] Request = Convert.FromBase64String(
        "MIIK5gYJKoZIhvcNAQcCoIIK1zCCCtMCAQExCTAHBgUrDgMCGjCCBXUGCSqGSIb3DQEHAaCCBWYEggViMIIFXgYJKoZIhvcNAQcD" +
        "oIIFTzCCBUsCAQAxggJqMIIBMQIBADAbMBUxEzARBgNVBAMMCkludGVyb3AgQ0ECAgPoMAsGCSqGSIb3DQEBAQSCAQCCjeZZa0FG" +
        "5huFfetwv87f08+kV6smlGar8QTqfEIt88NDO1OfhuqG7toPlS1yipm3/Y47mylQg7fkYpI6qT6bMabnL0TsmjLfUgtwOOUhg/rj" +
        "7Yg0inqpKMQtagK2g/59hH2WD4c+Zmrhh9ONcjM5wQ9S2RS9y3pmDsX9IBWtYhZ3vuyKVm/+sKm4HE8A1rI3waI8iuCuxdglatuT" +
        "ypXNDC5LDOICEt/7xQpnK1BQcwg1CcFqFxY07icL36UUL/mLUGGUFXWjtZSWNyl6oFpbSxDwcqOUOH0ze3m7irOKC+l8xlOTOpXE" +
        "WJ7GJ6l1y1RwZebbpFRuBv7WzzzZz1BmMIIBMQIBADAbMBUxEzARBgNVBAMMCkludGVyb3AgQ0ECAgPpMAsGCSqGSIb3DQEBAQSC" +
        "AQBZKVaUxvCDkkgfuZH4U9irScT/0gPLu8zc5Vw31yMHnQzVZWNqdutnnM2miJ+mKkVmQLJdvDNW63PjKb2d6rUsyvKIa93vld+t" +
        "gW73hA9Jw18ZjeL3ISrXMXMR6+Us5+/t8BiVeCLpPCBrXbhFfzWyiRnCayPy+gmTn6dXfxLjgkdcvoULmnk08OeVI0rMCqDK0rRP" +
        "upjC5LRqcmdxVFPGtWrt9vX9Tp/n6povTv8AIqb5TV6DWbqLpzTYGi87Jr8OcrwvrOZMBjKAJz9juZj/7jm6mqUfCPjdIdA4dea6" +
        "g7dNWBFTEocbU05ntRYXyV6OOzKTA0tPUa14dWsNlxSnMIIC1gYJKoZIhvcNAQcBMBEGBSsOAwIHBAjRP3mKzIaDxaCCArQEggKw" +
        "WTXS8j1ZiHSeEOqYHMEshRVXIYsvHbQGykYwNZlpsbQxhQZ3CpY3ZTTv7xOpcsqRrhoRFu5/aqQ4morCc8kACBOamDrMWsnXooif" +
        "skjBpthNgAZsRO76n4uKUxWXf3ffNPt++PCr8v1rPPVP6kiJWaz+F+gsN1a4Swjm+BKRr6XCGY6kblX/BegSMnlH1FKG84gwYiEn" +
        "txWjJt3upcahAHLUzB8CRkS9FMAUr4fqzfvNG4mAQGM6HsSSSVJcqbxOCYpVwDW43V1IwJvap5Uy5TWYNGOaZzVgnfllm5MGH5Dn" +
        "xFgEXZkxiyO2GJZDnYLpAc8pEFMCIE+TRFyBW4AZQZbdDM9t7TVk8SHF0KG4BFNYu7x0ynrU8e4FoOAYCXfBfgGGeRrVBw9dS00W" +
        "aprHHMjcvpTvcV2FCztlA0OXZQogqPPqVru8WPabQsDqJTOkeBHDAKxl08YGTycVBU60HaM+M2ptSO2EP5ojxz913GUidOPMHwSx" +
        "I/Thh5awqutYxMLiVD0o0FJIyKEH1ly+tDTlCuUgYW6KbmCcmFVMmSJ5fLVEMuANpWUAruSvEAmZeToMptPj532Epl07CVgVuJkt" +
        "rXZNkv2T4o9Au7oKzUqOr3Sta3IbvxNVqGjvKDCDEi+439iQVy07e1IK4U6jay4H7FUkVjK62Kj8vDkma/3HbRng8zWXkxx73i14" +
        "wx7mBI9vh1/RaxqFBQ+JNv914ODEcBVNhgGNWHUsMSaWZ+cWJ157QTDrMfSaSR+yN3EJ3Z5iRU4SAMgyNL2I8r0WxWpkvM5zZZ7Y" +
        "jKZv+s0uxoSGxqPCAw0kPSGq8CSgii0AAx7mPSNMt4nPYJ42OY+3hbESfcM1ZvXIokBUHGF7U7+Wyl+wAVTtHXNV0Q2pHaevLpyx" +
        "g5XyRWCFazlkp4tzSaCCAxwwggMYMIICAKADAgECAhEAzKV8e8wsTKVUMZhAal/SwzANBgkqhkiG9w0BAQsFADAsMRQwEgYDVQQK" +
        "EwtzY2VwLWNsaWVudDEUMBIGA1UEAxMLU0NFUCBTSUdORVIwHhcNMjYxMTI1MTM1MzU2WhcNMjYxMTI1MTQ1MzU2WjAsMRQwEgYD" +
        "VQQKEwtzY2VwLWNsaWVudDEUMBIGA1UEAxMLU0NFUCBTSUdORVIwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCqKxmc" +
        "aixkb1bPSYHiM293L7xDGQgEGtvZiUrdsnseIQMqPuOJjmNXq7pCkyRgIHvBeTmnIbVwC35alABuvqQyv9bnrI5C0upcngwyM2Qg" +
        "lh8egevSY52HEsKpx6yGn6D/FuURu2weHKbcvpbzuUZMy/6jgd4Lk6yZUsm7pJfV9EYGaU8QbPmojXGcwD19TwcJE4Izd/tTS/Rf" +
        "ZXQqmYW6uI9MZUxgMMwFtHBODXie+uyvQJPjNUEEVrqaO1zk71YNs1V9W/peq+DLO7m4OYMYzn1cROvw0Ixi8Go/i4yrDctI2Iuq" +
        "s8x3Mfa2v6ln8KLUhMOTq0ZrUH7VeBCUZOX5AgMBAAGjNTAzMA4GA1UdDwEB/wQEAwIFoDATBgNVHSUEDDAKBggrBgEFBQcDATAM" +
        "BgNVHRMBAf8EAjAAMA0GCSqGSIb3DQEBCwUAA4IBAQA6EE55mMBW1glM3aX7j0qQyvCr+tFD5DDZ8r8PBgmOhkotZ0IMMH4nzMq5" +
        "f3J2xnaDeSvGS6iYXHfDEqQCxJ+diB0FGFpl6BQL34ZkCI3r5HgoEfWgEaoxeFm2M9U5dSI7jsJ18fhNwqNm4ATGFq/WEHikBDe6" +
        "el67NR3Me8935SXfWPi+MQdUCPLS0LHsVKYFdGAVo+1Ja60ykHu1qBzMIt/QWZJ1h7+fnF++F4PksmPBKe53xMOgHFW0KksgSv6k" +
        "L5lquVlK1isc1tZaYKDTjBMNFBlLzv7YYCurunN1xnV7eulSJh9kqdukf3T2zvUAMRLCkXMb+puZoReXem1dMYICKDCCAiQCAQEw" +
        "QTAsMRQwEgYDVQQKEwtzY2VwLWNsaWVudDEUMBIGA1UEAxMLU0NFUCBTSUdORVICEQDMpXx7zCxMpVQxmEBqX9LDMAcGBSsOAwIa" +
        "oIHBMBIGCmCGSAGG+EUBCQIxBBMCMTkwGAYJKoZIhvcNAQkDMQsGCSqGSIb3DQEHATAcBgkqhkiG9w0BCQUxDxcNMjYxMTI1MTM1" +
        "MzU2WjAgBgpghkgBhvhFAQkFMRIEEAL5RMevZyy2P9VeGGT4LJYwIwYJKoZIhvcNAQkEMRYEFMD61GrEB8djKITNnFZDT3iwmOOl" +
        "MCwGCmCGSAGG+EUBCQcxHhMcNWpESnM1Y2JnTnJWc1NvOFlzeDVzZldYN0FnPTALBgkqhkiG9w0BAQUEggEANmdTID7SgCmb6wwm" +
        "2G3uNS+YvwEdsn9IRmlqUbZHGsZqtR/wrQ8byxovGfdgqvgKRcDdRsXppKf1HXjZTmUZQaRX3FMVb7HjzW5eWtz0faiH252jgH/I" +
        "ai2FVBYXt39z4NojJ1WqStoUacV+sD8Fr+gayn2BDXnnE0xV5B8J2h/+ubfg8mMfFDozDBmoRSNPDiZPY4rD64/uGYhYwjRrg+fK" +
        "7JFch/rnGoe7PPt9wDL/LZ/tdy+4DPIZCGOAukL4gaP9CFbx21ppQR2FCN728mT3BPmMLBABnP/Thce4ZHOTuDDiuA2Su8yTeIMj" +
        "pBy/RnT1RO3pqhX9uAZxHIj8PA==");

    public static readonly byte[] RaCertificate = Convert.FromBase64String(
        "MIICyDCCAbCgAwIBAgICA+kwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UEAwwKSW50ZXJvcCBDQTAgFw0yNTAxMDEwMDAwMDBaGA8y" +
        "MDU1MDEwMTAwMDAwMFowFTETMBEGA1UEAwwKSW50ZXJvcCBSQTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAIFQWf5B" +
        "y98fM3VndCA3KqBiHvL9ox6vXFNvdyissTUK2iJ6N00FqGUkj6JYPi5PaudiEU312Ayuyq7sxbDlIbgV5yitYLbduj8zkObIHWra" +
        "CTucb16HybOz/+Ksd2mFUJros9yurHZQIpOeSDvewwzt0V/d2KHROo6ZVk4sEYkmrxvbmvhUbH5bmHjbiy68y+mHY4wwa8YcNa0T" +
        "klaZWpqZ3S0J3hKnicDXbLDO1LAUScGyltPDqnaJlKVZTaarWkQ/G+ieuRrwlH0iY2qf+UQtwuXdU9R4SbR3G4HjPmoeLugGU6SS" +
        "wvcBHrY4xzUwWRQ81qix0qSiCtYuM+6xLxkCAwEAAaMgMB4wDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCBaAwDQYJKoZIhvcN" +
        "AQELBQADggEBAFFJflDF/eDm8UQbRI73UL3/eeHYMGMe9zeEX0vEavo9UUNodNvtaQqNzjdcC4LkkOu8Q+sQsMz1RQWPIYhfZL+a" +
        "KNmD+1F6z7vEbtrZMbHG/pgmuUMGJB/LsS962ubPKoZhtUvuS/87x+1XBl77WgTXJU3Mrn6QxOpvxhLqC61vPUFkc5O20Or/ThPj" +
        "7j8sdNvemPWwAnR9jIu/wKUbEfYIdlxqLlYqJKLQmNezG3KJpnFRhk/+RgWWv7bRsyNTF6SCeQvH8OOdq9cypxr/5S3ECJDUhKGF" +
        "OtWaRIqHhCDfagWfZ5kFbPRTHBHbyxLRPhHJXzr1AiwfLnlCPi1oi2A=");

    public static readonly byte[] RaKey = Convert.FromBase64String(
        "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCBUFn+QcvfHzN1Z3QgNyqgYh7y/aMer1xTb3corLE1CtoiejdN" +
        "BahlJI+iWD4uT2rnYhFN9dgMrsqu7MWw5SG4FecorWC23bo/M5DmyB1q2gk7nG9eh8mzs//irHdphVCa6LPcrqx2UCKTnkg73sMM" +
        "7dFf3dih0TqOmVZOLBGJJq8b25r4VGx+W5h424suvMvph2OMMGvGHDWtE5JWmVqamd0tCd4Sp4nA12ywztSwFEnBspbTw6p2iZSl" +
        "WU2mq1pEPxvonrka8JR9ImNqn/lELcLl3VPUeEm0dxuB4z5qHi7oBlOkksL3AR62OMc1MFkUPNaosdKkogrWLjPusS8ZAgMBAAEC" +
        "ggEAOEQiJEO01azZ0yfkm2/lmEuZc9lw9JUQ8yz5CDW8FXxXVdEf5t+jWf8CkH0c8UGVHoDJTsa97ybPAjX7/vB0L4k4P7bQ8kCg" +
        "HYfucLx6MFgW1F1JCDTFSu/zU0n/22YqoHzIZimK2SAdK2YfwA05iZKhG7mH3UEQ3aNSrkj2iFouEr8toRVINvs6gK8Qe+Cc5lVd" +
        "vhEXc/0QPiyU7I2UgyYudfgo8jo8qf0hV9H9lWssziRdcNe84gGJE4fNKTabvrTdDybp9fJq08DUEPcml1K4YfAoJhzbzgTQfHap" +
        "dxNVKcusZlGpj9sE7ofyHAXZW/9t1qDeOIKkDpy3wQuGUQKBgQDlbDiILVsePtq4s/z+2GVe7uyr0d/OvELxuzKnF4rxcxvx5v8K" +
        "ZfwaIoovh1iDYyrm+RtGz3KyDKBLmC9ciGXwgrNsfGPwanCJkb3Z+jIlB3MuHLDuBoHx1jAOF+pUiITMl3SaDZQCUaSqTGoNwaTp" +
        "pUZbquBg34BNq71UszEj7wKBgQCQS0tOi1DXfhAj7SVaAF0qDYInoJ0x8jcqx20L6fa8mg4wir/3Bin0qWG2osVgyGXvwMnE9rta" +
        "7yZ70XAsyn73uyX0jHoL+ffLYDW/iffDFgrXiTamK5HZzK0e/4sxN9jVkxoyqMmt2f/fX9EWtYLXKO6QVtmNaHokt89v0yc1dwKB" +
        "gQC1Ni7M+S5QjIsMezZpQRmIy6Vq7cIetDsYXqlaq9DWd/pprvBiET34krGdawVx+gFoIPj3jGHm2uw96X33U9FZEJOSLApwWlJ7" +
        "hv9zThkPgHvsv0LNL5yyHWElsKQpkw953mN+Tx1KW5x52xOlu/97gU06mJTUT5UzRGSuoz88RwKBgGFRdvwFeEOusWIZqox2HF+l" +
        "drgVWo/6Jf0DPefAJ3pyiMlyeyA3Fwr9RnrwcyDgZ+f45dyi8B/XleQCkJ6VAGdC4Ml8CUCUmeyf+gAyJFl+P1e5IpOWZSs5ITX7" +
        "8jwCx4rcSNoL/uHzWuCj9hhT2WgWIjhVays1YNPs6Mop5pLnAoGBAK7vcBFn+72BcQrz8BJ0FfjDB/NHpZa0E0Tz0nk2nq5+IzNF" +
        "XyemufNQfN4ML5jtK8FrY9fpD10R25RYk55TgXdJbjgsVcH7D4Y3hML5ZhUETgohC3whxhmSNxDGNATSr87NmBREkBMZKYE1Ksu+" +
        "xBLzcIvMV5Zf5kBPHZdb6DUd");

    public static readonly byte[] CaCertificate = Convert.FromBase64String(
        "MIICyzCCAbOgAwIBAgICA+gwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UEAwwKSW50ZXJvcCBDQTAgFw0yNTAxMDEwMDAwMDBaGA8y" +
        "MDU1MDEwMTAwMDAwMFowFTETMBEGA1UEAwwKSW50ZXJvcCBDQTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAMeoOPv2" +
        "PBw/ut6LkFTiB0fWEW1EGmcfbLtfIfukwJQkYsAKPeklR/+2QapjAEAoTacWd5dAfvaES8pL8T7+uJFM4L6DGHi16z2MVFP/qYWq" +
        "8CBbZvwMGNEKO0x8FPUP7btzVhF6aIZJ/FVgWfH4o0y9MUa8uvKoxbtPSnQ+cCyLsAB0HTDoJk20syFUYjkaglpvrtFdn+NEwhoz" +
        "jmqM4Oe8G3DWQETthWpMAaRcG7impgF+ynkSjuh345XIzv2N3fJfJxMzVwwexPFfS2j10DhZCw9bAGFJayEOAhC5jcEK/82Qc3XC" +
        "xCuzTbGsHNt/TPKvCY2sqZw27VoWc7MTf3ECAwEAAaMjMCEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAgQwDQYJKoZI" +
        "hvcNAQELBQADggEBAEQffnzUIcQyJ7Tks5/kVKEpeImtTYJqavo5JS2jHOUVey54bZixdQNfR2vPEDboUvqVQtzgcYIRt0yyb9IN" +
        "pN+IlWVpn1H7RtAp2nRxCrbe7AOtLAnxuYksg2hXk+/XDCBQye6hJYXf3RAPeVPAb24JdoQMXq1EGYzq3+Mh7rF7vDeQHN0CH3DT" +
        "VmCpUEGT3eHb2/kEJW8TruVuqqKscdr7Yor7BE+YiGLoepTveF7ZdpaeCdsyBTHtltdyKgfVCcEUzS605kkCYdUdIIcKBY0+1Vq9" +
        "DrdaB4Me14dtIj50u51CW5wBScaB1agtsdBmCC+0Da/SPq3PrFBrY/2E5MQ=");

    public static readonly byte[] ClientKey = Convert.FromBase64String(
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCqKxmcaixkb1bPSYHiM293L7xDGQgEGtvZiUrdsnseIQMqPuOJ" +
        "jmNXq7pCkyRgIHvBeTmnIbVwC35alABuvqQyv9bnrI5C0upcngwyM2Qglh8egevSY52HEsKpx6yGn6D/FuURu2weHKbcvpbzuUZM" +
        "y/6jgd4Lk6yZUsm7pJfV9EYGaU8QbPmojXGcwD19TwcJE4Izd/tTS/RfZXQqmYW6uI9MZUxgMMwFtHBODXie+uyvQJPjNUEEVrqa" +
        "O1zk71YNs1V9W/peq+DLO7m4OYMYzn1cROvw0Ixi8Go/i4yrDctI2Iuqs8x3Mfa2v6ln8KLUhMOTq0ZrUH7VeBCUZOX5AgMBAAEC" +
        "ggEAQnVAtFi266acFaqUoj4KS1cGRIIzIj9HG2dGKN06viKQdOBIxwEoBSZZQQTsUOp+yqnIfWBp1s92UnO404d64yMPED3Q9YIf" +
        "63oCM1zkvuFCWAzPh8RF0mneQqZr18vh+Z38andzGzN/a3i3xYnXTcjhswPWL1lGMD8n8DOw5Oq1g2HZdc6I+z+95fuhy0bUWGx0" +
        "IE6QSstkGNyYKKbH8FvF7tyEQaAEZ104sHYYNzbVKUPxdayPFUFL5r8oDj1I9Uohwnw6JNOypuPnDWEohoWGeWd/ltxV//z1M4Vh" +
        "yhbc8vC2t4d53KrfsO2P5J1+lSqfA4dAsjiDI4/NbPCHAQKBgQDZAXvT0nNADuqUqCRVNQuXM8RCQFAhhkezyol8qD0zgkLTw+Vk" +
        "1YwVIdskbFHNSVpNsFopWscU/zJs78PBBZR2A5xVcYVz3+0Zmq/HRp3g1vD0PnP+OUobubD8+uoOT1w+MZBdm+2y3UPJVPktPmiY" +
        "KhwGi5Gj2Gz6VDSMif1qGQKBgQDIvwpWsDpUaZwM4Kt4/dAJwDKMd5g6C8rDGr0M83F9SZ26OgKCQBibVLHRc3a1g20G+Zuk8Cuh" +
        "oonr8kVKgKxPIBferv1vykWFBVUqu2FX5+1jhROaBubCokbdy5djdU1SOK6Np2ll4n9IMvvRNQKA7BHmTua7nSstkTUaZICW4QKB" +
        "gCJUmcJpCNKZiYL7FsRkH/FLv0C76/FhzPYklJukAgqkEO5vj1rkbcTqFkEs4cQYVrDztU/VjKlFtjSFufJPb6075P+fdf1e76Od" +
        "VTGxekiXuIbrWm5dodvBBL8A8wZQh8dPEAe/I1uopZC0YLdHqERqZQSkD+Zb1uHDcIzLR8wBAoGAM/DiPu3YGdE9lENpeqPJeUxm" +
        "h9vF4nb8nqDDe59dpPowOmgaEBN/imlOnRAQDgUUZ7Kb6ABQecDxiMAl15IVg1+dbXu/jXY7qKBpmeXj2Pfkf1SGbtsMSB3u0iKE" +
        "aDKIsBaEa5h+d+Mz5b1zVH0vyaXLN9kAcFjJPEAPCmYos2ECgYEAtm3hSOC4JtDwdhdQ6bVdL8DYR11r4uEmlO+8sUsvWOn9MYXg" +
        "OCu9U9QNRhS94szOYADxwzuzcMI+kGzgn6V4t52zluqercnz/OMt0oeu42IwwFPHEzpaD3uTN7isuBygbWk6IZIdEGwHaltI63Hr" +
        "hsWvksTCZmnZlxvexy/YIC0=");
}
