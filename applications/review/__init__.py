"""Reviewing: the district's and the city's decisions, the quota, the dashboard and the audit trail."""
