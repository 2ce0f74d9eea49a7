"""Batch sealing jobs run by the server (issue 7): a job of documents sealed one by one,
each exactly once, each as the job's creator (their grant spent, ``seal.use`` audited)."""
