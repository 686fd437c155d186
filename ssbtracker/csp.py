"""The Content-Security-Policy: the site-wide policy and the per-path overrides
(read by settings; applied by ContentSecurityPolicyMiddleware)."""

from __future__ import annotations

from csp import constants as csp


def content_security_policy(*, upgrade_insecure: bool, report_uri: str | None) -> dict:
    """No inline script anywhere: scripts come from our static files. The nonce is only
    added to the header when a template asks for one (Swagger UI's init script)."""
    return {
        "DIRECTIVES": {
            "default-src": [csp.SELF],
            "script-src": [csp.SELF, csp.NONCE],
            "style-src": [csp.SELF, csp.NONCE],
            "img-src": [csp.SELF, "data:"],
            "font-src": [csp.SELF],
            "connect-src": [csp.SELF],
            "object-src": [csp.NONE],
            "base-uri": [csp.SELF],
            "form-action": [csp.SELF],
            "frame-ancestors": [csp.NONE],
            "upgrade-insecure-requests": upgrade_insecure,
            "report-uri": report_uri,
        },
    }


# Per path prefix, directives that replace the site policy (ContentSecurityPolicyMiddleware).
CSP_PATH_OVERRIDES = {
    # The embeddable timeline may be framed by any site; X-Frame-Options is lifted by its view.
    "/embed/": {"frame-ancestors": ["*"]},
    # ReDoc injects its styles at run time and searches in a blob: worker.
    "/api/v1/redoc/": {"style-src": [csp.SELF, csp.UNSAFE_INLINE], "worker-src": [csp.SELF, "blob:"]},
    # DRF's browsable pages carry one fixed style attribute (float: right on the format and
    # filter buttons) and one <style> of code colours: exactly those are allowed, by hash.
    "/api/v1/": {
        "style-src": [csp.SELF, csp.NONCE, "'sha256-1kn+agGaGZdaFPNbx228buXQB9KXcy9RVE6NMUiW4SQ='"],
        "style-src-attr": ["'unsafe-hashes'", "'sha256-OfgyIBrd+/vP79JdFMYP+re4T+fIenvkrHPD2HZ8/cs='"],
    },
}
