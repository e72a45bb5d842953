"""Loading rows as a dataset's next version: the request checked (``plan``), the rows staged,
checked and committed or held (``pipeline``), an earlier version brought back (``restore``), and
the same steps for a file on this machine (``local``) or a table a job made (``tables``)."""
