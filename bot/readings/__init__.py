"""What there is to read: the daily reflections, the library and its search, and
how a page of the library reads in a chat."""
