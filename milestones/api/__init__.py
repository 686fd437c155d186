"""REST API v1: serializers, filters, views and their schema under /api/v1/."""
