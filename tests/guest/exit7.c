/* exit7.c - exits with status 7 (for wait tests). */
int main(void) { return 7; }
