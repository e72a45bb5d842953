"""The annual inventory of each agency's data and the open data access plan computed from it, with their spreadsheets."""
