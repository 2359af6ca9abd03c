"""Content analysis of threads: what people write, and how reliably it is coded.

``classify`` (thread-type classifiers), ``shares`` (type shares corrected for the classifier's
errors), ``labelling`` (human coding of samples), ``agreement`` (coder agreement) and
``interviews`` (coded interview segments). This face imports nothing.
"""
