"""Allocation: who holds a case. The allocation history, the "three or more COMs since release"
warning, and transferring the case to another COM or team (or allocating an unallocated case)."""
