"""REST API v1 (issue 3): serializers, filters, views and their schema under /api/v1/."""
