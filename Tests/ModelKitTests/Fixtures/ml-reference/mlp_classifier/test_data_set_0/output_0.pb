2	virginica2setosa2setosa2setosa2	virginica2setosa2	virginica2setosa2	virginica2
versicolor2setosa2
versicolorBlabel