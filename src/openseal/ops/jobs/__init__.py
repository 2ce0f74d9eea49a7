"""Background work on a real queue (issue 10 item 7).

The jobs (``catalogue``) are plain functions of the process's Wiring. Who runs them depends
on the database: on PostgreSQL, procrastinate (``postgres``): any server's or
``openseal worker``'s workers pick a job up, a job whose worker died is taken up again, and
periodic jobs are deferred once per period across all servers; on SQLite, one thread in the
serving process (``local``). Batch sealing is done once per document whoever runs it: each
document is claimed, then sealed and marked in one transaction (core.batches.work).
"""
