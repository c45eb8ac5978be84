"""Admission and scheduling: a request becomes a job, admitted by capacity and run step by step
on a bounded pool of synthesis threads."""
