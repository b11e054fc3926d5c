"""The resources of ``/v1``, one router per part of the ledger."""
