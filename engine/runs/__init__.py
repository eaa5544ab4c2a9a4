"""The run directory as the interface between a training process and everything that reads it:
events, the runs directory, statuses, the pid file and control files. May import only
seqtui.engine.config and seqtui.engine.errors; plain Python, no TensorFlow.
"""
